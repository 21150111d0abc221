package loadtest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the child bot get SIGKILL when the harness dies, so
// that a harness killed or crashed leaves no bot behind on its port.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
