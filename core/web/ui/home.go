package ui

import (
	"github.com/gin-gonic/gin"
)

// homeData is what the home page shows: one tile per thing that may need
// the user's attention, each filled by the service that owns it.
type homeData struct {
	Tiles []tile
}

// tile is one figure on the home page with a link to act on it.
type tile struct {
	Label string // translated
	Value string // formatted
	Note  string // translated, optional
	Href  string
	Alert bool // needs action
}

// home handles GET /t/:tenant/.
func (u *UI) home(c *gin.Context) error {
	v := u.view(c, "home.title")
	v.Data = homeData{Tiles: u.homeTiles(c, v)}
	return u.html(c, "home", v)
}

// homeTiles collects the tiles of the services wired in; a service that
// fails loses its tile (logged) instead of taking the page down.
func (u *UI) homeTiles(c *gin.Context, v *View) []tile {
	var out []tile
	for _, src := range u.tileSources {
		t, ok, err := src(c, v)
		if err != nil {
			u.log.Warn("ui: home tile", "err", err, "request_id", v.RequestID)
			continue
		}
		if ok {
			out = append(out, t)
		}
	}
	return out
}

// tileSource computes one home tile; ok=false hides it (not the user's business).
type tileSource func(c *gin.Context, v *View) (t tile, ok bool, err error)
