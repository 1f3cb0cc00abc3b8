package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/uptrace/bun"

	"doanbd/configs"
	"doanbd/core"
	"doanbd/core/audit"
	"doanbd/core/cadre"
	"doanbd/core/cadre/api"
	"doanbd/core/cadre/importer"
	"doanbd/core/cadre/roster"
	"doanbd/core/cadre/seal"
	"doanbd/core/plan"
	"doanbd/workflows/outbox"
)

// keyFileName holds the embedded mode's generated encryption key, in DataDir.
const keyFileName = "encryption.key"

// encryptionKey is the 32-byte key that encrypts personal data at rest:
// DOANBD_ENCRYPTION_KEY, or, in the embedded mode when it is not set, a key
// generated once into DataDir/encryption.key (mode 0600) and reused ever
// after. (With PostgreSQL the setting is required: config validation says so.)
func (a *App) encryptionKey() ([]byte, error) {
	if a.Cfg.EncryptionKey != "" {
		k, err := base64.StdEncoding.DecodeString(a.Cfg.EncryptionKey)
		if err != nil || len(k) != 32 {
			return nil, errors.New("setting DOANBD_ENCRYPTION_KEY: must be 32 bytes in standard base64")
		}
		return k, nil
	}
	if !a.Cfg.Embedded() {
		return nil, errors.New("setting DOANBD_ENCRYPTION_KEY: is required with PostgreSQL (openssl rand -base64 32)")
	}
	return loadOrCreateKey(filepath.Join(a.Cfg.DataDir, keyFileName))
}

// loadOrCreateKey reads a base64 key file, creating it first if missing.
// O_EXCL makes two processes starting together agree on one key.
func loadOrCreateKey(path string) ([]byte, error) {
	read := func() ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("key file %s: not 32 bytes of base64 (restore it from a backup: data encrypted with it cannot be read without it)", path)
		}
		return k, nil
	}
	k, err := read()
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	k = make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return read()
	}
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n")
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// rosterAudit records roster events in the hash-chained audit log.
type rosterAudit struct{}

func (rosterAudit) Record(ctx context.Context, tx bun.IDB, e roster.AuditEvent) error {
	return audit.Append(ctx, tx, audit.Entry{Tenant: e.Tenant, Action: e.Action, Object: e.Object,
		ObjectID: e.ObjectID, Detail: e.Detail, IP: e.IP})
}

// outboxJobs schedules import jobs through the transactional outbox.
type outboxJobs struct{}

func (outboxJobs) Add(ctx context.Context, tx bun.IDB, kind, tenant string, payload any) error {
	_, err := outbox.Add(ctx, tx, outbox.Job{Kind: kind, Tenant: tenant, Payload: payload})
	return err
}

// tenantDirectory tells the roster which tenants can receive transfers.
type tenantDirectory struct{ r tenantResolver }

func (d tenantDirectory) AcceptsCadres(ctx context.Context, slug string) (bool, error) {
	_, err := d.r.Resolve(ctx, slug, true)
	switch core.ErrorCode(err) {
	case "":
		return true, nil
	case core.ENOTFOUND:
		return false, nil
	}
	return false, err
}

// Roster is the cadre roster service: encryption key and title catalogue
// loaded, audit log attached.
func (a *App) Roster() (*roster.Service, error) {
	key, err := a.encryptionKey()
	if err != nil {
		return nil, err
	}
	s, err := seal.New(key)
	if err != nil {
		return nil, err
	}
	src, err := configs.FS.ReadFile("seed/programs.yaml")
	if err != nil {
		return nil, fmt.Errorf("read embedded title catalogue: %w", err)
	}
	titles, err := cadre.LoadTitles(src)
	if err != nil {
		return nil, err
	}
	return roster.New(a.DB, s, titles, rosterAudit{}), nil
}

// rosterNominees lets plan checks read nominated cadres from the roster
// (plan.Options.Nominees).
type rosterNominees struct{ r *roster.Service }

var _ plan.NomineeLookup = rosterNominees{}

func (n rosterNominees) Nominees(ctx context.Context, tenant string, ids []string) (map[string]plan.Nominee, error) {
	found, err := n.r.Nominees(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]plan.Nominee, len(found))
	for id, c := range found {
		out[id] = plan.Nominee{ID: c.ID, Name: c.Name, BirthDate: c.BirthDate.Time(), Title: c.Title, Level: c.Level,
			Employment: c.Employment, PlanningFor: c.PlanningFor, UnitTenant: tenant}
	}
	return out, nil
}

// rosterParts is the roster built once per process: its service and the
// one importer whose jobs the worker runs and whose live progress the API
// and the UI read (a running commit's progress is kept in that instance).
type rosterParts struct {
	svc *roster.Service
	im  *importer.Importer
}

// RosterParts returns the process's roster service and importer, building
// them on first use (during Setup, which runs on one goroutine).
func (a *App) RosterParts() (*roster.Service, *importer.Importer, error) {
	if a.roster == nil {
		r, err := a.Roster()
		if err != nil {
			return nil, nil, err
		}
		a.roster = &rosterParts{svc: r, im: importer.New(r, outboxJobs{}, importer.Options{Log: a.Log})}
	}
	return a.roster.svc, a.roster.im, nil
}

// setupRoster registers the roster's routes and its import jobs.
func (a *App) setupRoster(_ context.Context) error {
	r, im, err := a.RosterParts()
	if err != nil {
		return err
	}
	api.Register(a.Web, r, im, api.Options{Tenants: tenantDirectory{a.newTenantStore()}, Idempotency: a.Idempotency(), Log: a.Log})
	payload := func(d outbox.Delivery) (string, error) {
		var p importer.JobPayload
		if err := d.Decode(&p); err != nil {
			return "", err
		}
		return p.ImportID, nil
	}
	a.Worker.HandleEffect(importer.KindParse, func(ctx context.Context, d outbox.Delivery) error {
		id, err := payload(d)
		if err != nil {
			return err
		}
		return im.Parse(ctx, d.Tenant, id)
	})
	a.Worker.HandleEffect(importer.KindCommit, func(ctx context.Context, d outbox.Delivery) error {
		id, err := payload(d)
		if err != nil {
			return err
		}
		return im.RunCommit(ctx, d.Tenant, id)
	})
	a.Worker.HandleTx(importer.KindCleanup, func(ctx context.Context, tx bun.Tx, d outbox.Delivery) error {
		id, err := payload(d)
		if err != nil {
			return err
		}
		return im.Cleanup(ctx, tx, d.Tenant, id)
	})
	return nil
}

// demoUnits is p79's demo unit tree: code, parent code, name, level, flags.
var demoUnits = []struct {
	code, parent, name, level string
	difficult, special        bool
	ended                     bool
}{
	{"TD", "", "Thành Đoàn Thành phố Hồ Chí Minh", cadre.LevelTinh, false, false, false},
	{"Q1", "TD", "Quận Đoàn 1", cadre.LevelHuyen, false, false, true},
	{"P-BT", "TD", "Đoàn phường Bến Thành", cadre.LevelCoSo, false, false, false},
	{"P-SG", "TD", "Đoàn phường Sài Gòn", cadre.LevelCoSo, false, false, false},
	{"X-TA", "TD", "Đoàn xã Thạnh An", cadre.LevelCoSo, true, true, false},
	{"CD-BT1", "P-BT", "Chi đoàn Khu phố 1 phường Bến Thành", cadre.LevelChiDoan, false, false, false},
}

var demoCadres = []struct {
	name, birth, gender, unit, title, employment string
}{
	{"Nguyễn Văn An", "1992-04-12", cadre.Male, "TD", "pho_bi_thu_tinh", cadre.FullTime},
	{"Trần Thị Bích Ngọc", "1994-09-03", cadre.Female, "P-BT", "bi_thu_xa", cadre.FullTime},
	{"Lê Hoàng Dũng", "1996-01-25", cadre.Male, "P-SG", "bi_thu_xa", cadre.PartTime},
	{"Phạm Thị Đào", "1998-07-14", cadre.Female, "X-TA", "pho_bi_thu_xa", cadre.PartTime},
	{"Võ Minh Tuấn", "1999-11-30", cadre.Male, "CD-BT1", "bi_thu_chi_doan", cadre.Concurrent},
	{"Đặng Thu Hà", "1997-02-08", cadre.Female, "X-TA", "bi_thu_chi_doan", cadre.Concurrent},
}

// seedRoster is the "roster" seed step: with --demo, p79 gets a small unit
// tree (with an island commune flagged as a difficult and special area, and
// a district union that ended on 2025-06-30) and a few cadres, unless it
// has units already.
func seedRoster(ctx context.Context, a *App, o SeedOptions) error {
	if !o.Demo {
		return nil
	}
	r, _, err := a.RosterParts()
	if err != nil {
		return err
	}
	const tenant = "p79"
	if _, n, err := r.ListUnits(ctx, tenant, roster.UnitFilter{Limit: 1}); err != nil || n > 0 {
		if err == nil {
			fmt.Fprintln(o.Out, "roster (demo): p79 already has units, left as is")
		}
		return err
	}
	ids := map[string]string{}
	for _, u := range demoUnits {
		in := cadre.UnitInput{ParentID: ids[u.parent], Code: u.code, Name: u.name, Level: u.level,
			DifficultArea: u.difficult, SpecialArea: u.special}
		if u.ended {
			in.ValidTo = cadre.NewDate(2025, 6, 30)
		}
		made, err := r.CreateUnit(ctx, tenant, in)
		if err != nil {
			return fmt.Errorf("demo unit %s: %w", u.code, err)
		}
		ids[u.code] = made.ID
	}
	for _, c := range demoCadres {
		birth, err := cadre.ParseISO(c.birth)
		if err != nil {
			return err
		}
		in := cadre.CadreInput{FullName: c.name, BirthDate: birth, Gender: c.gender, UnitID: ids[c.unit],
			Title: c.title, Employment: c.employment, PositionSince: cadre.NewDate(2023, 1, 1)}
		if _, err := r.CreateCadre(ctx, tenant, in); err != nil {
			return fmt.Errorf("demo cadre %s: %w", c.name, err)
		}
	}
	fmt.Fprintf(o.Out, "roster (demo): p79 has %d units and %d cadres\n", len(demoUnits), len(demoCadres))
	return nil
}
