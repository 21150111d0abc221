//go:build !linux

package loadtest

import "os/exec"

// dieWithParent: only Linux can tie the child's life to the harness's.
func dieWithParent(*exec.Cmd) {}
