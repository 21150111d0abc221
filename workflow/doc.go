// Package workflow holds zwgk's domain: the 政务公开 and 12345 workflow
// rules, the working-day calendar and deadline maths. It is pure: no I/O
// beyond its embedded data, and no imports of other zwgk packages.
package workflow
