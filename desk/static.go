package desk

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
)

// The pages' own files: Apache ECharts (vendored from the npm registry,
// see static/echarts/README.md) and the script that draws 统计's charts.
// They are served from our own origin, never a CDN: the desk runs inside
// WeCom on the bureau's network, and its CSP allows nothing else.
//
//go:embed static/echarts/echarts.min.js static/stats.js
var staticFiles embed.FS

const (
	echartsFile = "echarts/echarts.min.js"
	statsScript = "stats.js"
)

// StaticPath is where the files are served: /desk/static/{hash}/{name},
// the hash the content's, so that a new release is a new address and the
// old one may be cached for good.
const StaticPath = "/desk/static/"

type staticFile struct {
	hash string
	data []byte
}

type statics map[string]staticFile

func loadStatics() (statics, error) {
	out := statics{}
	for _, name := range []string{echartsFile, statsScript} {
		b, err := staticFiles.ReadFile("static/" + name)
		if err != nil {
			return nil, fmt.Errorf("desk static %s: %w", name, err)
		}
		sum := sha256.Sum256(b)
		out[name] = staticFile{hash: hex.EncodeToString(sum[:8]), data: b}
	}
	return out, nil
}

// url is name's address, with its content's hash.
func (s statics) url(name string) string { return StaticPath + s[name].hash + "/" + name }

// serve answers a static file at its current hash; an old or unknown
// address is 404, so nothing stale is cached for a year.
func (s statics) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := s[r.PathValue("name")]
	if !ok || f.hash != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(f.data)))
	h.Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(f.data)
}
