package app

import (
	"log/slog"
	"net"
	"net/http"
	"testing"
)

// TestMetricsAddrTaken: a taken METRICS_ADDR stops start-up with a
// message that names the variable.
func TestMetricsAddrTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	stop, err := serveMetrics(slog.New(slog.DiscardHandler), addr, http.NotFoundHandler())
	if err == nil {
		stop()
		t.Fatal("serveMetrics on a taken address: no error")
	}
	want := "METRICS_ADDR " + addr + " is already in use: stop the other program or set METRICS_ADDR to a free address"
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
