// Package uitest holds the browser tests of the web UI: they build the real
// doanbd binary, seed the demo data into a throwaway data directory, serve it
// on a free loopback port and drive it with Debian's Chromium through
// chromedp, as a user would. When Chromium is missing the tests skip with a
// loud message, or fail under DOANBD_REQUIRE_EXTERNAL=1. A failing step saves
// a screenshot of the page under artifacts/ at the repository root.
package uitest
