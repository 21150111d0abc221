// Package e2e holds the end-to-end tests: each starts zwgk serve or zwgk
// demo through cli.Run, as the binary does, on its own database, Redis
// prefix and sandbox corp, and talks to it over HTTP with signed,
// encrypted callbacks; the browser test plays the demo's page in headless
// Chromium. It has no code outside its tests.
package e2e
