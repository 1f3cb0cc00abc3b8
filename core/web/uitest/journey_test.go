package uitest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"doanbd/core/identity"
)

// rosterWorkbook writes last year's spreadsheet: two good rows and one whose
// CCCD is too short, in a unit of the demo tree.
func rosterWorkbook(t *testing.T, dir string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"DANH SÁCH CÁN BỘ ĐOÀN NĂM 2026"},
		{"STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Chức danh", "Chế độ công tác"},
		{1, "Ngô Thị Thanh Tâm", "12/05/1996", "Nữ", "079196001111", "P-BT", "Bí thư Đoàn xã", "Chuyên trách"},
		{2, "Trịnh Văn Lực", "01/01/1994", "Nam", "12345", "P-BT", "Bí thư Đoàn xã", "Chuyên trách"},
		{3, "Mai Thị Kiều", "20/10/1997", "Nữ", "079197002222", "P-SG", "Phó Bí thư Đoàn xã", "Bán chuyên trách"},
	}
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "danh-sach-can-bo.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// decisionPDF is a tiny PDF standing for the People's Committee decision.
func decisionPDF(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "quyet-dinh-ubnd.pdf")
	body := "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Logout logs out through the user menu.
func (b *Browser) Logout() {
	b.tb.Helper()
	b.Do("open the user menu", chromedp.Click(chromedp.CSS("#user-menu summary")))
	b.Submit("log out", chromedp.Click(chromedp.CSS("#user-menu button[type=submit]")))
}

// fetch GETs a URL from the page (with its cookies) and returns the status
// and content type.
func (b *Browser) fetch(url string) string {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+strconv.Quote(url)+`).then(r => r.status + " " + r.headers.get("content-type"))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("fetch "+url, err)
	}
	return res
}

// addClass fills the class form with the first central programme; source
// is the funding source of the whole class ("" keeps each rate's own).
func (b *Browser) addClass(planPath string, learners int, place, source string, nominees ...string) {
	b.tb.Helper()
	b.Open(planPath + "/classes/form")
	year := time.Now().Year() + 1
	b.Do("choose a central programme",
		chromedp.WaitVisible(chromedp.CSS("#f-program")),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('#f-program');
			s.value = s.querySelector('optgroup option').value; })()`),
		chromedp.SendKeys(chromedp.CSS("#f-learners"), strconv.Itoa(learners)),
		chromedp.SendKeys(chromedp.CSS("#f-start_date"), "10/03/"+strconv.Itoa(year)),
		chromedp.SendKeys(chromedp.CSS("#f-end_date"), "12/03/"+strconv.Itoa(year)),
		chromedp.SendKeys(chromedp.CSS("#f-place"), place),
		chromedp.SetValue(chromedp.CSS("#f-funding_source"), source),
	)
	for _, n := range nominees {
		b.Do("nominate "+n,
			chromedp.SendKeys(chromedp.CSS("#nominee-q"), n),
			chromedp.WaitVisible(chromedp.CSS("#nominee-results input[type=checkbox]")),
			chromedp.Click(chromedp.CSS("#nominee-results input[type=checkbox]")),
			chromedp.WaitVisible(chromedp.CSS("#nominees-chosen input[type=checkbox]")),
		)
	}
	st := b.Submit("save the class", chromedp.Click(chromedp.CSS("#class-save")))
	b.Check(st == 200 && b.Path() == planPath, "class not saved: %d at %s", st, b.Path())
}

// act fires a workflow action from the plan page, with a comment.
func (b *Browser) act(action, comment string, extra ...chromedp.Action[chromedp.Void]) {
	b.tb.Helper()
	steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS("#action-" + action))}
	if comment != "" {
		steps = append(steps, chromedp.SendKeys(chromedp.CSS("#"+action+"-comment"), comment))
	}
	steps = append(steps, extra...)
	b.Do("fill "+action, steps...)
	st := b.Submit(action, chromedp.Click(chromedp.CSS("#do-"+action)))
	b.Check(st == 200, "%s: status %d", action, st)
	b.Expect(".alert-ok", "Đã ghi nhận.")
}

// The journeys of a provincial plan, end to end in Chromium: the planner
// imports her roster (one bad row left out), builds next year's plan with two
// classes, adjusts a budget line (totals update in place) and submits; the
// leadership approves; the committee recorder records the decision with its
// PDF; the central reviewer returns it from her inbox with a comment; the
// planner revises and resubmits; after the provincial steps again, the
// reviewer compares the versions and approves.
func TestPlanJourney(t *testing.T) {
	srv := StartServer(t)
	b := NewBrowser(t, srv.URL)
	dir := t.TempDir()
	pw := identity.DemoPassword

	// 1. The planner and her roster.
	b.Login(demo("planner", "p79"), pw)
	b.Expect("main", "Cán bộ đang công tác")
	b.Open("/t/p79/imports/new")
	st := b.Submit("upload the roster",
		chromedp.WaitVisible(chromedp.CSS("#f-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{rosterWorkbook(t, dir)}),
		chromedp.Click(chromedp.CSS("#upload-submit")),
	)
	b.Check(st == 200 && strings.HasPrefix(b.Path(), "/t/p79/imports/"), "upload: %d %s", st, b.Path())
	b.Do("wait for the check to finish", chromedp.WaitVisible(chromedp.CSS("#import-summary")))
	b.Expect("#error-rows", "1")
	b.Expect("#problems", "Dòng 4, cột Số CCCD")
	b.Submit("commit the valid rows", chromedp.Click(chromedp.CSS("#commit-valid")))
	b.Do("wait for the commit", chromedp.WaitVisible(chromedp.CSS("#import-done")))
	b.Expect("#import-done", "Đã ghi 2 cán bộ")
	b.Open("/t/p79/cadres?q=thanh+tam")
	b.Expect("#cadre-table", "Ngô Thị Thanh Tâm")
	exp := b.fetch(b.attr("#export-xlsx", "href"))
	b.Check(strings.HasPrefix(exp, "200 application/vnd.openxmlformats"), "roster export: %s", exp)

	// Her training so far, recorded from her record: a mistake first (a
	// completed training needs its date), then the whole entry.
	b.Submit("open her record", chromedp.Click(chromedp.CSS("#cadre-table td a")))
	b.Submit("open the training form", chromedp.Click(chromedp.CSS("#add-enrolment")))
	st = b.Submit("record a training without its completion date",
		chromedp.SetValue(chromedp.CSS("#f-program"), "TW2-CB"),
		chromedp.SendKeys(chromedp.CSS("#f-start_on"), "02/03/2026"),
		chromedp.Click(chromedp.CSS("#enrolment-save")),
	)
	b.Check(st == 422, "incomplete training: status %d", st)
	b.Expect("main", "không được để trống khi đã hoàn thành")
	st = b.Submit("record the completed training",
		chromedp.SendKeys(chromedp.CSS("#f-completed_on"), "06/03/2026"),
		chromedp.SendKeys(chromedp.CSS("#f-certificate_no"), "15/2026/CC-TĐ"),
		chromedp.Click(chromedp.CSS("#enrolment-save")),
	)
	b.Check(st == 200 && strings.HasPrefix(b.Path(), "/t/p79/cadres/"), "training recorded: %d %s", st, b.Path())
	b.Expect("section[aria-labelledby=h-enrolments]", "15/2026/CC-TĐ")
	b.Expect("section[aria-labelledby=h-enrolments]", "Hoàn thành")

	// 2. Next year's plan with two classes.
	b.Open("/t/p79/plans")
	b.Submit("create the annual plan", chromedp.Click(chromedp.CSS("#plan-create")))
	plan := b.Path()
	b.Check(strings.HasPrefix(plan, "/t/p79/plans/"), "after create: %s", plan)
	b.addClass(plan, 40, "Hội trường Thành Đoàn", "", "thanh tam")
	b.Open(plan + "/classes/form?class=" + b.attr(".class-block", "id")[len("class-"):])
	b.Expect("#nominees-chosen", "Ngô Thị Thanh Tâm")
	b.addClass(plan, 35, "Nhà văn hóa Thanh niên", "central")
	b.Expect("#plan-totals", "75")
	before := b.Text("#plan-total")

	// A budget line adjusted with a reason: the totals change in place (htmx).
	b.Do("adjust the first line",
		chromedp.Click(chromedp.CSS(".class-block details summary")),
		chromedp.SendKeys(chromedp.CSS(".class-block .override-form input[name=amount]"), "1.000.000"),
		chromedp.SendKeys(chromedp.CSS(".class-block .override-form input[name=reason]"), "Giảng viên hỗ trợ một phần"),
		chromedp.Click(chromedp.CSS(".class-block .override-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".class-block td .muted")),
	)
	b.Check(b.Text("#plan-total") != before, "the total did not change: %s", before)
	b.Check(b.Path() == plan, "the adjustment left the page: %s", b.Path())

	b.act("submit", "")
	b.Expect("#plan-status", "Đã gửi")
	b.Expect("#timeline", "Gửi duyệt")
	b.Logout()

	// 3. The province's leadership and the committee recorder.
	b.Login(demo("approver", "p79"), pw)
	b.Open("/inbox")
	b.Expect("#inbox-table", "Kế hoạch bồi dưỡng cán bộ Đoàn năm")
	b.Open(plan)
	b.act("approve", "Đồng ý, trình UBND tỉnh.")
	b.Logout()
	b.Login(demo("committee_recorder", "p79"), pw)
	pdf := decisionPDF(t, dir)
	b.Open(plan)
	b.act("record_decision", "", chromedp.SendKeys(chromedp.CSS("#record_decision-decision_number"), "1234/QĐ-UBND"),
		chromedp.SendKeys(chromedp.CSS("#record_decision-decision_date"), "20/11/2026"),
		chromedp.SetUploadFiles(chromedp.CSS("#record_decision-decision_pdf"), []string{pdf}))
	b.Expect("#plan-status", "Chờ Trung ương")
	b.Expect("#timeline", "1234/QĐ-UBND")
	pdfRes := b.fetch(b.attr("#timeline .fields a", "href"))
	b.Check(strings.HasPrefix(pdfRes, "200 application/pdf"), "decision PDF: %s", pdfRes)
	b.Logout()

	// 4. The central reviewer returns it with a comment, from her inbox.
	const why = "Lớp 2 trùng nội dung với chương trình TW tổ chức, đề nghị điều chỉnh"
	b.Login(demo("central_reviewer", "tw"), pw)
	b.Open("/inbox")
	b.Expect("#inbox-table", "Thành Đoàn Thành phố Hồ Chí Minh")
	b.Submit("open the plan from the inbox", chromedp.Click(chromedp.CSS("#inbox-table a")))
	b.Check(b.Path() == plan, "the inbox link leads to %s", b.Path())
	b.act("return", why)
	b.Expect("#plan-status", "Trả lại")
	b.Logout()

	// 5. The planner sees the comment, revises and resubmits.
	b.Login(demo("planner", "p79"), pw)
	b.Expect("main", "Bị trả lại")
	b.Open(plan)
	b.Expect("#timeline", why)
	b.Submit("edit class 2", chromedp.Click(chromedp.CSS(".class-block + .class-block a.btn-secondary")))
	b.Do("fewer learners", chromedp.Clear(chromedp.CSS("#f-learners")), chromedp.SendKeys(chromedp.CSS("#f-learners"), "30"))
	b.Submit("save the revision", chromedp.Click(chromedp.CSS("#class-save")))
	b.Expect("#plan-totals", "70")
	b.act("submit", "")
	b.Logout()

	// 6. The provincial steps again, then central approval after comparing.
	b.Login(demo("approver", "p79"), pw)
	b.Open(plan)
	b.act("approve", "")
	b.Logout()
	b.Login(demo("committee_recorder", "p79"), pw)
	b.Open(plan)
	b.act("record_decision", "", chromedp.SendKeys(chromedp.CSS("#record_decision-decision_number"), "1301/QĐ-UBND"),
		chromedp.SendKeys(chromedp.CSS("#record_decision-decision_date"), "24/11/2026"),
		chromedp.SetUploadFiles(chromedp.CSS("#record_decision-decision_pdf"), []string{pdf}))
	b.Logout()
	b.Login(demo("central_reviewer", "tw"), pw)
	b.Open(plan)
	b.Submit("compare versions", chromedp.Click(chromedp.CSS("#compare-link")))
	b.Expect("#compare-table", "Có sửa đổi")
	b.Open(plan)
	b.act("central_approve", "Đồng ý.")
	b.Expect("#plan-status", "Đã phê duyệt")

	// 7. The national estimate counts the centrally funded class; Excel export.
	year := strconv.Itoa(time.Now().Year() + 1)
	b.Open("/t/tw/budget?year=" + year)
	b.Submit("compile the estimate", chromedp.Click(chromedp.CSS("#budget-recompute")))
	b.Expect("#budget-table", "Thành Đoàn Thành phố Hồ Chí Minh")
	b.Check(b.Text("#budget-total") != "0 đ", "the national total is zero")
	exp = b.fetch(b.attr("#budget-export", "href"))
	b.Check(strings.HasPrefix(exp, "200 application/vnd.openxmlformats"), "estimate export: %s", exp)
}

// attr returns an attribute of the first element matching sel.
func (b *Browser) attr(sel, name string) string {
	b.tb.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil || !res.Exists {
		b.fail("read "+name+" of "+sel, fmt.Errorf("%v (present: %v)", err, res.Exists))
	}
	return res.Value
}
