package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
)

//go:embed assets/*.css assets/*.js assets/*.svg
var assetFiles embed.FS

// asset is one embedded file, served under a name that carries a hash of its
// content, so browsers may cache it for a year and still never see a stale copy.
type asset struct {
	hashed string
	ctype  string
	body   []byte
	gz     []byte // gzip-compressed body, for slow links
	etag   string
}

// assets maps logical names (app.css) to hashed URLs and hashed names to files.
type assets struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	entries, err := fs.ReadDir(fsys, "assets")
	if err != nil {
		return nil, fmt.Errorf("ui: read assets: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		body, err := fs.ReadFile(fsys, "assets/"+name)
		if err != nil {
			return nil, fmt.Errorf("ui: read asset %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + h + ext
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		var gz bytes.Buffer
		w, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		if err != nil {
			return nil, fmt.Errorf("ui: gzip: %w", err)
		}
		if _, err := w.Write(body); err != nil {
			return nil, fmt.Errorf("ui: gzip %s: %w", name, err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("ui: gzip %s: %w", name, err)
		}
		as := &asset{hashed: hashed, ctype: ctype, body: body, gz: gz.Bytes(), etag: `"` + h + `"`}
		a.byName[name] = as
		a.byHashed[hashed] = as
	}
	return a, nil
}

// URL returns the content-hash URL of a logical asset name. An unknown name
// panics at template execution, which the template test catches.
func (a *assets) URL(name string) (string, error) {
	as, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("ui: unknown asset %q", name)
	}
	return "/assets/" + as.hashed, nil
}

// serve handles GET /assets/:file.
func (a *assets) serve(c *gin.Context) error {
	as, ok := a.byHashed[c.Param("file")]
	if !ok {
		return core.Errorf(core.ENOTFOUND, "Không tìm thấy tệp.")
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", as.etag)
	h.Set("Vary", "Accept-Encoding")
	if c.GetHeader("If-None-Match") == as.etag {
		c.Status(http.StatusNotModified)
		return nil
	}
	if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") && len(as.gz) < len(as.body) {
		h.Set("Content-Encoding", "gzip")
		c.Data(http.StatusOK, as.ctype, as.gz)
		return nil
	}
	c.Data(http.StatusOK, as.ctype, as.body)
	return nil
}
