package uitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"doanbd/core/identity"
)

// A unit administrator adds a planner and changes her roles, reads the audit
// log and is told line by line what is wrong with a workflow file; a
// ministry planner customises a central programme, and the central office
// approves it and records the appraisal, so it is published for that unit.
func TestAdminAndVariant(t *testing.T) {
	srv := StartServer(t)
	b := NewBrowser(t, srv.URL)
	pw := identity.DemoPassword

	b.Login(demo("tenant_admin", "p79"), pw)
	b.Open("/t/p79/admin/users")
	b.Do("open the form", chromedp.Click(chromedp.CSS("details.card summary")))
	st := b.Submit("add a planner",
		chromedp.SendKeys(chromedp.CSS("#f-email"), "lan.nguyen@p79.example.vn"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Nguyễn Thị Lan"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "Mat-khau-Moi-2026"),
		chromedp.SetValue(chromedp.CSS("#f-role"), "planner"),
		chromedp.Click(chromedp.CSS("#user-add")),
	)
	b.Check(st == 200, "add user: %d", st)
	b.Expect("#user-table", "lan.nguyen@p79.example.vn")
	b.Expect("[role=status]", "Đã lưu người dùng.")

	// Missing fields come back next to the fields.
	b.Do("open the form again", chromedp.Click(chromedp.CSS("details.card summary")))
	st = b.Submit("add without e-mail", chromedp.Click(chromedp.CSS("#user-add")))
	b.Check(st == 422, "empty form: %d", st)
	b.Expect("#f-email-err", "Vui lòng nhập")

	b.Open("/t/p79/admin/audit?action=user.create")
	b.Expect("#audit-table", "user.create")

	b.Open("/t/p79/admin/plugins")
	b.Expect("#plugin-localprograms", "ProgramCatalog")
	st = b.Submit("a bad settings line",
		chromedp.SetValue(chromedp.CSS("#settings-costnorms"), "Bảng định mức"),
		chromedp.Click(chromedp.CSS("#plugin-costnorms button[type=submit]")))
	b.Check(st == 422, "bad settings: %d", st)
	b.Expect("#plugin-costnorms .field-error", "Dòng 1")

	dir := t.TempDir()
	bad := filepath.Join(dir, "annual_plan.yaml")
	if err := os.WriteFile(bad, []byte("name: annual_plan\nsubject: plan\ninitial: nowhere\nstates:\n  draft:\n    title: Nháp\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Open("/t/p79/admin/workflows")
	b.Expect("#workflow-table", "annual_plan")
	st = b.Submit("upload a broken definition",
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{bad}),
		chromedp.Click(chromedp.CSS("#workflow-upload")))
	b.Check(st == 422, "broken definition: %d", st)
	b.Expect(".form-message", "Dòng ")
	b.Logout()

	// A ministry unit customises the central "Tổ chức" programme.
	b.Login(demo("planner", "bqp"), pw)
	b.Open("/t/bqp/programs?q=TW3-TC")
	b.Submit("open TW3-TC", chromedp.Click(chromedp.CSS("#program-table a")))
	b.Submit("make a variant", chromedp.Click(chromedp.CSS("#make-variant")))
	b.Check(strings.HasSuffix(b.Path(), "?edit=1"), "not in the editor: %s", b.Path())
	b.Do("shorten the first module and add one",
		chromedp.Clear(chromedp.CSS("input[name=m0_hours]")),
		chromedp.SendKeys(chromedp.CSS("input[name=m0_hours]"), "2"),
		chromedp.Evaluate[chromedp.Void](`(() => { const rows = document.querySelectorAll('#module-editor tbody tr');
			const r = rows[rows.length - 1];
			r.querySelector('input[name$=_code]').value = 'QD-BQP';
			r.querySelector('input[name$=_name]').value = 'Quy định về công tác thanh niên trong Quân đội';
			r.querySelector('input[name$=_hours]').value = '4'; })()`),
	)
	b.Submit("save the variant", chromedp.Click(chromedp.CSS("#variant-save")))
	b.Expect("#variant-changes", "Thêm chuyên đề QD-BQP")
	b.Expect("#variant-changes", "Rút ngắn chuyên đề")
	variant := b.Path()
	b.act("submit", "")
	b.Logout()

	b.Login(demo("central_reviewer", "tw"), pw)
	b.Open(variant)
	b.act("central_approve", "")
	b.act("record_appraisal", "", chromedp.SendKeys(chromedp.CSS("#record_appraisal-appraisal_number"), "456/BNV-ĐT"),
		chromedp.SendKeys(chromedp.CSS("#record_appraisal-appraisal_date"), "25/11/2026"))
	b.Expect("#program-status", "Đang áp dụng")
	b.Logout()

	b.Login(demo("planner", "bqp"), pw)
	b.Open("/t/bqp/programs?source=variant")
	b.Expect("#program-table", "Đang áp dụng")
	b.Logout()

	// The central administrator keeps the tenant map: the 2025 merger shows,
	// a new affiliated union is created and gets its administrator.
	b.Login(demo("central_admin", "tw"), pw)
	b.Open("/t/tw/tenants?status=ended")
	b.Expect("#tenant-table", "p72")
	b.Expect("#tenant-table", "(p80)")
	b.Open("/t/tw/tenants")
	b.Do("open the form", chromedp.Click(chromedp.CSS("details.card summary")))
	b.Submit("create a union",
		chromedp.SendKeys(chromedp.CSS("#f-slug"), "dtn-thu"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Đoàn Thanh niên Khối Thử nghiệm"),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "affiliated"),
		chromedp.Click(chromedp.CSS("#tenant-create")))
	b.Check(b.Path() == "/t/dtn-thu/admin/users", "after create: %s", b.Path())
	b.Do("open the user form", chromedp.Click(chromedp.CSS("details.card summary")))
	b.Submit("add its administrator",
		chromedp.SendKeys(chromedp.CSS("#f-email"), "admin@dtn-thu.example.vn"),
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Trần Quốc Bảo"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "Quan-tri-Moi-2026"),
		chromedp.SetValue(chromedp.CSS("#f-role"), "tenant_admin"),
		chromedp.Click(chromedp.CSS("#user-add")))
	b.Expect("#user-table", "admin@dtn-thu.example.vn")

	// p79's planner also plans for Hà Nội: a role in a second tenant.
	b.Open("/t/p01/admin/users")
	b.Do("open the user form", chromedp.Click(chromedp.CSS("details.card summary")))
	b.Submit("grant a role in p01",
		chromedp.SendKeys(chromedp.CSS("#f-email"), demo("planner", "p79")),
		chromedp.SetValue(chromedp.CSS("#f-role"), "planner"),
		chromedp.Click(chromedp.CSS("#user-add")))
	b.Expect("#user-table", demo("planner", "p79"))
	b.Logout()
	b.Login(demo("planner", "p79"), pw)
	b.Do("open the tenant switcher", chromedp.Click(chromedp.CSS("#tenant-switcher summary")))
	b.Submit("switch to Hà Nội", chromedp.Click(chromedp.CSS(`#tenant-switcher a[href="/t/p01/"]`)))
	b.Check(b.Path() == "/t/p01/", "after switching: %s", b.Path())
	b.Expect("main h1", "Hà Nội")
	b.Logout()
	b.Login("admin@dtn-thu.example.vn", "Quan-tri-Moi-2026")
	b.Check(b.Path() == "/t/dtn-thu/", "the new admin lands on %s", b.Path())
}
