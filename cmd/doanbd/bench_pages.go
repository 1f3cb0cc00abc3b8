package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/core"
	"doanbd/core/plan"
	"doanbd/core/sqldb"
)

// The pages benchmark's shared parts: who logs in, which pages are timed
// (each with its JSON API equivalent as the same-run baseline), and the
// pairs of the same page at two sizes whose database round trips must not
// differ (no query per row: "N+1"). bench_pages_run.go measures them on the
// real binary; bench_pages_test.go checks the pairs in-process.

// pageUser is a user the pages are seen as.
type pageUser struct {
	Key, Tenant, Role, Email string
}

// pageUsers are the demo-like users of the journeys (JOURNEYS.md): the
// province's planner and leadership, the central reviewer and the central
// administrator, and a tenant administrator in two provinces for the users
// page at two sizes (p79 also gets pageExtraMembers learners).
var pageUsers = []pageUser{
	{"planner", "p79", "planner", "bench.planner@doanbd.local"},
	{"leader", "p79", "approver", "bench.leader@doanbd.local"},
	{"reviewer", "tw", "central_reviewer", "bench.reviewer@doanbd.local"},
	{"admin", "tw", "central_admin", "bench.admin@doanbd.local"},
	{"admin79", "p79", "tenant_admin", "bench.admin79@doanbd.local"},
	{"admin01", "p01", "tenant_admin", "bench.admin01@doanbd.local"},
}

// pageExtraMembers are learners added to p79 so its users page is longer
// than p01's.
const pageExtraMembers = 6

func extraMember(i int) pageUser {
	return pageUser{fmt.Sprintf("learner%d", i), "p79", "learner", fmt.Sprintf("bench.learner%d@doanbd.local", i)}
}

// pageSpec is one page timed against its JSON equivalent.
type pageSpec struct {
	Name, User, Path, API string
}

// pagePair is one page at a small and a large size.
type pagePair struct {
	Name, SmallUser, LargeUser string
	Small, Large               string
	SmallN, LargeN             int // items shown
	// Once is a query the page runs only when it has items at all (the
	// inbox loads all its subjects in one query, skipped when it has none):
	// the larger size may add that many round trips, whatever its size.
	Once int
}

// pageIDs are the records the pages show, found in the seeded database.
type pageIDs struct {
	CadreFew, CadreMany   string // p79 cadres with the fewest and most positions
	CadreFewN, CadreManyN int
	PlanFew, PlanMany     string // p79 annual plans with the fewest and most classes
	PlanFewN, PlanManyN   int
	// PlanSmall and PlanLarge are drafts made by makePlanPair: the same
	// classes, 2 of them and 20.
	PlanSmall, PlanLarge string
	Roster               int // p79's active cadres
	Programs             int // published central programmes
	// InboxFew and InboxMany are the inbox items of the p79 approver and
	// of the central reviewer (countInbox).
	InboxFew, InboxMany int
	Year                int // the year of the national estimate
}

const pagesTenant = "p79"

// findPageIDs reads the records to show from the seeded database.
func findPageIDs(ctx context.Context, db *sqldb.DB, year int) (pageIDs, error) {
	ids := pageIDs{Year: year}
	err := db.ConsolidationTx(ctx, []string{pagesTenant, core.CentralTenant}, func(ctx context.Context, tx bun.Tx) error {
		type counted struct {
			ID string
			N  int
		}
		var cs []counted
		if err := tx.NewRaw(`SELECT c.id, count(p.id) AS n FROM cadres c LEFT JOIN cadre_positions p
			ON p.tenant_id = c.tenant_id AND p.cadre_id = c.id
			WHERE c.tenant_id = ? AND c.status = 'active' AND c.id IN
				(SELECT id FROM cadres WHERE tenant_id = ? AND status = 'active' ORDER BY id LIMIT 2000)
			GROUP BY c.id ORDER BY n, c.id`, pagesTenant, pagesTenant).Scan(ctx, &cs); err != nil {
			return fmt.Errorf("cadres by positions: %w", err)
		}
		if len(cs) == 0 {
			return fmt.Errorf("tenant %s has no cadres", pagesTenant)
		}
		ids.CadreFew, ids.CadreFewN = cs[0].ID, cs[0].N
		ids.CadreMany, ids.CadreManyN = cs[len(cs)-1].ID, cs[len(cs)-1].N
		var ps []counted
		if err := tx.NewRaw(`SELECT p.id, count(c.id) AS n FROM plans p LEFT JOIN plan_classes c
			ON c.tenant_id = p.tenant_id AND c.plan_id = p.id
			WHERE p.tenant_id = ? AND p.kind = 'annual' GROUP BY p.id ORDER BY n, p.id`, pagesTenant).Scan(ctx, &ps); err != nil {
			return fmt.Errorf("plans by classes: %w", err)
		}
		if len(ps) == 0 {
			return fmt.Errorf("tenant %s has no annual plans", pagesTenant)
		}
		ids.PlanFew, ids.PlanFewN = ps[0].ID, ps[0].N
		ids.PlanMany, ids.PlanManyN = ps[len(ps)-1].ID, ps[len(ps)-1].N
		if err := tx.NewRaw(`SELECT count(*) FROM cadres WHERE tenant_id = ? AND status = 'active'`, pagesTenant).Scan(ctx, &ids.Roster); err != nil {
			return fmt.Errorf("count cadres: %w", err)
		}
		return tx.NewRaw(`SELECT count(*) FROM programs WHERE tenant_id = ? AND status = 'published'`, core.CentralTenant).Scan(ctx, &ids.Programs)
	})
	return ids, err
}

// mainPages are the pages timed, each as the user who works with it.
func mainPages(ids pageIDs) []pageSpec {
	t, api := "/t/"+pagesTenant, "/api/v1/t/"+pagesTenant
	y := strconv.Itoa(ids.Year)
	return []pageSpec{
		{"home · planner (p79)", "planner", t + "/", "/api/v1/me"},
		{"home · leadership (p79 approver)", "leader", t + "/", "/api/v1/me"},
		{"home · central reviewer (tw)", "reviewer", "/t/tw/", "/api/v1/me"},
		{"roster list · page of 50, filtered (employment, page 3)", "planner", t + "/cadres?employment=kiem_nhiem&offset=100",
			api + "/cadres?employment=kiem_nhiem&offset=100&limit=50"},
		{"roster list · searched (\"nguyen van\")", "planner", t + "/cadres?q=nguyen+van", api + "/cadres?q=nguyen+van&limit=50"},
		{"cadre detail", "planner", t + "/cadres/" + ids.CadreMany, api + "/cadres/" + ids.CadreMany},
		{"programme catalogue", "planner", t + "/programs", api + "/programs"},
		{"plans list", "planner", t + "/plans", api + "/plans"},
		{fmt.Sprintf("plan detail (%d classes with budget lines)", ids.PlanManyN), "planner", t + "/plans/" + ids.PlanMany, api + "/plans/" + ids.PlanMany},
		{"inbox · central reviewer (all tenants)", "reviewer", "/inbox", "/api/v1/inbox"},
		{"central consolidated budget " + y, "admin", "/t/tw/budget?year=" + y, "/api/v1/t/tw/budget-estimates/" + y},
		{"audit log (tw)", "admin", "/t/tw/admin/audit", "/api/v1/t/tw/audit"},
		{"users admin (tw)", "admin", "/t/tw/admin/users", "/api/v1/t/tw/users"},
	}
}

// sizePairs are the pages shown at two sizes.
func sizePairs(ids pageIDs) []pagePair {
	t := "/t/" + pagesTenant
	last := (ids.Roster - 1) / 50 * 50
	return []pagePair{
		{Name: "roster list", SmallUser: "planner", LargeUser: "planner",
			Small: t + "/cadres?offset=" + strconv.Itoa(last), SmallN: ids.Roster - last, Large: t + "/cadres", LargeN: min(50, ids.Roster)},
		{Name: "cadre detail (positions)", SmallUser: "planner", LargeUser: "planner",
			Small: t + "/cadres/" + ids.CadreFew, SmallN: ids.CadreFewN, Large: t + "/cadres/" + ids.CadreMany, LargeN: ids.CadreManyN},
		{Name: "plan detail (classes with budget lines)", SmallUser: "planner", LargeUser: "planner",
			Small: t + "/plans/" + ids.PlanSmall, SmallN: planPairSmall, Large: t + "/plans/" + ids.PlanLarge, LargeN: planPairLarge},
		{Name: "programme catalogue", SmallUser: "planner", LargeUser: "planner",
			Small: t + "/programs?q=zzzzqx", SmallN: 0, Large: t + "/programs", LargeN: ids.Programs},
		{Name: "audit log", SmallUser: "admin", LargeUser: "admin",
			Small: "/t/tw/admin/audit?action=zzzzqx", SmallN: 0, Large: "/t/tw/admin/audit", LargeN: -1},
		{Name: "users admin", SmallUser: "admin01", LargeUser: "admin79",
			Small: "/t/p01/admin/users", SmallN: 1, Large: t + "/admin/users", LargeN: 3 + pageExtraMembers},
		{Name: "inbox (p79 approver vs central reviewer)", SmallUser: "leader", LargeUser: "reviewer", Small: "/inbox", SmallN: ids.InboxFew,
			Large: "/inbox", LargeN: ids.InboxMany, Once: 1},
	}
}

var (
	queriesRe = regexp.MustCompile(`queries;desc="(\d+)"`)
	totalRe   = regexp.MustCompile(`total;dur=([0-9.]+)`)
)

// pageServerTime reads the server's own time for a page from its
// Server-Timing header (0 when absent).
func pageServerTime(h http.Header) time.Duration {
	m := totalRe.FindStringSubmatch(h.Get("Server-Timing"))
	if m == nil {
		return 0
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(ms * float64(time.Millisecond))
}

// pageQueries reads the database round trips from a page's Server-Timing
// header (core/web/ui), or -1.
func pageQueries(h http.Header) int {
	m := queriesRe.FindStringSubmatch(h.Get("Server-Timing"))
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// pageClient sends one request as a user of pageUsers (a bearer token) and
// returns the status, headers and body.
type pageClient func(method, path, user string, body []byte) (int, http.Header, []byte, error)

const planPairSmall, planPairLarge = 2, 20

// makePlanPair creates two draft annual plans in p79, for 2029 and 2030,
// with 2 and 20 classes copied from the seeded plan from (dates moved into
// the year): the plan page at two sizes, in the same state.
func makePlanPair(do pageClient, from string) (small, large string, err error) {
	api := "/api/v1/t/" + pagesTenant + "/plans"
	st, _, body, err := do(http.MethodGet, api+"/"+from, "planner", nil)
	if err != nil || st != http.StatusOK {
		return "", "", fmt.Errorf("read plan %s: %d %v %s", from, st, err, body)
	}
	var src struct {
		Year    int               `json:"year"`
		Classes []json.RawMessage `json:"classes"`
	}
	if err := json.Unmarshal(body, &src); err != nil || len(src.Classes) == 0 {
		return "", "", fmt.Errorf("plan %s has no classes to copy (%v)", from, err)
	}
	create := func(year, n int) (string, error) {
		req, _ := json.Marshal(map[string]any{"kind": "annual", "year": year, "title": fmt.Sprintf("Kế hoạch đo tải %d lớp", n)})
		st, _, body, err := do(http.MethodPost, api, "planner", req)
		if err != nil || st != http.StatusCreated {
			return "", fmt.Errorf("create plan %d: %d %v %s", year, st, err, body)
		}
		var p struct{ ID string }
		if err := json.Unmarshal(body, &p); err != nil {
			return "", fmt.Errorf("create plan %d: %w", year, err)
		}
		for i := 0; i < n; i++ {
			var in plan.ClassInput // the class's own fields, without ids and lines
			if err := json.Unmarshal(src.Classes[i%len(src.Classes)], &in); err != nil {
				return "", fmt.Errorf("read class: %w", err)
			}
			cls, _ := json.Marshal(in)
			cls = bytes.ReplaceAll(cls, []byte(`"`+strconv.Itoa(src.Year)+`-`), []byte(`"`+strconv.Itoa(year)+`-`))
			st, _, body, err := do(http.MethodPost, api+"/"+p.ID+"/classes", "planner", cls)
			if err != nil || st != http.StatusCreated {
				return "", fmt.Errorf("add class %d to plan %d: %d %v %s", i, year, st, err, strings.TrimSpace(string(body)))
			}
		}
		return p.ID, nil
	}
	if small, err = create(2029, planPairSmall); err != nil {
		return "", "", err
	}
	large, err = create(2030, planPairLarge)
	return small, large, err
}

// countInbox reads how many items the approver's and the reviewer's inboxes
// hold (the JSON API's answer).
func countInbox(do pageClient, ids *pageIDs) error {
	for _, x := range []struct {
		user string
		n    *int
	}{{"leader", &ids.InboxFew}, {"reviewer", &ids.InboxMany}} {
		st, _, body, err := do(http.MethodGet, "/api/v1/inbox", x.user, nil)
		if err != nil || st != http.StatusOK {
			return fmt.Errorf("inbox of %s: %d %v %.300s", x.user, st, err, body)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			var list struct{ Items []json.RawMessage }
			if err2 := json.Unmarshal(body, &list); err2 != nil {
				return fmt.Errorf("inbox of %s: %w", x.user, err)
			}
			items = list.Items
		}
		*x.n = len(items)
	}
	return nil
}
