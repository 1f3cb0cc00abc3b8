package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"doanbd/core"
	"doanbd/core/cadre"
	"doanbd/core/cadre/cadretest"
	"doanbd/core/cadre/importer"
	"doanbd/core/cadre/roster"
	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const tenant = "p79"

// jobs records scheduled jobs; tests run them by hand.
type jobs struct {
	mu   sync.Mutex
	list []string
}

func (j *jobs) Add(_ context.Context, _ bun.IDB, kind, tenant string, p any) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, kind+" "+tenant+" "+p.(importer.JobPayload).ImportID)
	return nil
}

func (j *jobs) has(s string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Contains(j.list, s)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// messyWorkbook is a roster as provinces send it: a banner, a two-row
// header with merged cells and a merged "Quy hoạch" group, a row of column
// numbers, blank rows, an NFD name, a date serial, a date formula, a number
// cell that lost a phone's leading zero, and a problem in most rows.
func messyWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := "Sheet1"
	set := func(cell string, v any) { must(t, f.SetCellValue(sh, cell, v)) }
	set("A1", "DANH SÁCH CÁN BỘ ĐOÀN")
	must(t, f.MergeCell(sh, "A1", "L1"))
	heads := []string{"TT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số CCCD", "Điện thoại", "Đơn vị", "Chức vụ", "Chế độ công tác"}
	for i, h := range heads {
		col, _ := excelize.ColumnNumberToName(i + 1)
		set(col+"3", h)
		must(t, f.MergeCell(sh, col+"3", col+"4"))
	}
	set("K3", "Quy hoạch")
	must(t, f.MergeCell(sh, "K3", "L3"))
	set("K4", "Chức danh")
	set("L4", "Từ ngày")
	for i := 0; i < 12; i++ {
		col, _ := excelize.ColumnNumberToName(i + 1)
		set(fmt.Sprintf("%s5", col), fmt.Sprintf("(%d)", i+1))
	}
	row := func(n int, vals ...any) {
		for i, v := range vals {
			if v == nil {
				continue
			}
			col, _ := excelize.ColumnNumberToName(i + 2)
			set(fmt.Sprintf("%s%d", col, n), v)
		}
		set(fmt.Sprintf("A%d", n), n-5)
	}
	row(6, norm.NFD.String("Nguyễn Văn Đức"), 34773, "Nam", "Kinh", "079095012345", "0912 345 678", "X01 - Đoàn xã Tân Nhựt", "Bí thư Đoàn xã", "Chuyên trách", "Bí thư Đoàn cấp huyện", "01/02/2024")
	row(8, "Trần Thị Bé", 36000, "Nữ", nil, "07919501234", 912345678, "CD01", "bi_thu_chi_doan", "Kiêm nhiệm")
	must(t, f.SetCellFormula(sh, "C8", "DATE(1998,7,24)"))
	// A formula saved without a value that cannot be computed here.
	must(t, f.SetCellFormula(sh, "E9", "NOSUCHFUNCTION(1)"))
	row(9, "Lê Văn Cường", "31/02/1990", "Nam", nil, nil, nil, "Đoàn xã Không Có", "Vua", "Chuyên trách")
	row(11, "Phạm Thị Dung", "15/08/1992", "Nữ", nil, "079095012345", nil, "X02", nil, "Bán chuyên trách")
	row(12, "Hoàng Văn Em", "01/01/1990", "Nam", nil, "079090000999", nil, "X01", nil, "Chuyên trách")
	row(13, "Vũ Văn Phúc", "05/05/1994", "Nam", nil, nil, "0123456", "H99", nil, nil)
	row(14, "Đỗ Thị Giang", "10/10/1996", "Nữ", nil, "079296000321", "+84 98 765 4321", "x01", nil, "kiem nhiem")
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	return buf.Bytes()
}

// cleanWorkbook is n valid rows on the template layout.
func cleanWorkbook(t *testing.T, n int, unit string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	must(t, sw.SetRow("A1", []any{"STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Chế độ công tác", "Quy hoạch chức danh", "Ngày vào quy hoạch"}))
	for i := 1; i <= n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		plan, since := "", ""
		if i%2 == 0 {
			plan, since = "bi_thu_xa", "01/01/2024"
		}
		must(t, sw.SetRow(cell, []any{i, fmt.Sprintf("Cán Bộ Số %d", i), "12/12/1994", "Nam",
			fmt.Sprintf("0010945%05d", i), unit, "Kiêm nhiệm", plan, since}))
	}
	must(t, sw.Flush())
	var buf bytes.Buffer
	must(t, f.Write(&buf))
	return buf.Bytes()
}

func problemTexts(t *testing.T, im *importer.Importer, id string) map[string]string {
	t.Helper()
	ps, total, err := im.Problems(cadretest.Ctx(t), tenant, id, "", 200, 0)
	must(t, err)
	if total != len(ps) {
		t.Fatalf("problems total %d, page %d", total, len(ps))
	}
	out := map[string]string{}
	for _, p := range ps {
		out[p.Text] = p.Severity
	}
	return out
}

func count(t *testing.T, db cadretest.DB, table string) int {
	t.Helper()
	var n int
	must(t, db.Owner.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

func TestMessyImport(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		in := cadretest.Input("Người Đã Có", tr.Commune.ID)
		in.CCCD = cadretest.Str("079090000999")
		_, err := s.CreateCadre(ctx, tenant, in)
		must(t, err)
		j := &jobs{}
		im := importer.New(s, j, importer.Options{Batch: 3})

		_, err = im.Upload(ctx, tenant, "danh-sach.xls", []byte("PK..."))
		if core.ErrorCode(err) != core.EINVALID {
			t.Errorf("an .xls upload: %v", err)
		}
		up, err := im.Upload(ctx, tenant, "danh-sach.xlsx", messyWorkbook(t))
		must(t, err)
		if up.Status != importer.StatusUploaded || !j.has(importer.KindParse+" "+tenant+" "+up.ID) {
			t.Fatalf("upload = %+v, jobs %v", up, j.list)
		}
		must(t, im.Parse(ctx, tenant, up.ID))
		// A second delivery of the job does nothing.
		must(t, im.Parse(ctx, tenant, up.ID))
		got, err := im.Get(ctx, tenant, up.ID)
		must(t, err)
		if got.Status != importer.StatusParsed || got.TotalRows != 7 || got.ValidRows != 2 || got.ErrorRows != 5 ||
			got.WarningRows != 2 || got.Progress.Percent != 100 {
			t.Fatalf("parsed = %+v", got)
		}
		want := map[string]string{
			"Dòng 8, cột Số CCCD: phải có 12 chữ số":                                                                 "error",
			"Dòng 9, cột Ngày sinh: không đúng dạng ngày dd/mm/yyyy":                                                 "error",
			"Dòng 9, cột Đơn vị: không có đơn vị này trong danh mục đơn vị":                                          "error",
			"Dòng 9, cột Chức danh: không có trong danh mục chức danh":                                               "error",
			"Dòng 9, cột Dân tộc: ô có công thức chưa được tính: hãy mở tệp bằng Excel, lưu lại rồi tải lên lần nữa": "error",
			"Dòng 11, cột Số CCCD: trùng Số CCCD với dòng 6":                                                         "error",
			"Dòng 11, cột Số CCCD: không khớp với ngày sinh hoặc giới tính, hãy kiểm tra lại":                        "warning",
			"Dòng 12, cột Số CCCD: đã có cán bộ đang công tác với Số CCCD này trong danh sách":                       "error",
			"Dòng 13, cột Số điện thoại: không đúng định dạng số điện thoại Việt Nam (ví dụ 0912345678)":             "error",
			"Dòng 13, cột Đơn vị: đơn vị đã ngừng hoạt động từ 30/06/2025":                                           "error",
			"Dòng 13, cột Chế độ công tác: không được để trống":                                                      "error",
			"Dòng 14, cột Số CCCD: không khớp với ngày sinh hoặc giới tính, hãy kiểm tra lại":                        "warning",
		}
		if texts := problemTexts(t, im, up.ID); len(texts) != len(want) {
			t.Errorf("problems:\n%v", texts)
		} else {
			for k, v := range want {
				if texts[k] != v {
					t.Errorf("missing %s problem %q; have %v", v, k, texts)
				}
			}
		}
		errsOnly, n, err := im.Problems(ctx, tenant, up.ID, importer.SeverityError, 2, 2)
		must(t, err)
		if n != 10 || len(errsOnly) != 2 || errsOnly[0].Row != 9 {
			t.Errorf("paged errors = %d %+v", n, errsOnly)
		}
		rows, n, err := im.Rows(ctx, tenant, up.ID, true, 50, 0)
		must(t, err)
		if n != 2 || rows[0].Row != 6 || rows[0].FullName != "Nguyễn Văn Đức" || rows[0].BirthDate != cadre.NewDate(1995, 3, 15) || rows[1].Row != 14 {
			t.Errorf("valid rows = %+v", rows)
		}
		if all, n, _ := im.Rows(ctx, tenant, up.ID, false, 50, 0); n != 7 || all[1].BirthDate != cadre.NewDate(1998, 7, 24) || all[1].Phone != "+84912345678" {
			t.Errorf("formula and phone of row 8 = %+v", all[1])
		}

		// "all" is refused while rows have errors; the roster is untouched.
		_, err = im.Commit(ctx, tenant, up.ID, importer.ModeAll)
		if core.ErrorCode(err) != core.EINVALID {
			t.Fatalf("commit all with errors: %v", err)
		}
		c, err := im.Commit(ctx, tenant, up.ID, importer.ModeValidOnly)
		must(t, err)
		if c.Status != importer.StatusCommitting || !j.has(importer.KindCommit+" "+tenant+" "+up.ID) {
			t.Fatalf("commit = %+v", c)
		}
		_, err = im.Commit(ctx, tenant, up.ID, importer.ModeValidOnly)
		if core.ErrorCode(err) != core.ECONFLICT {
			t.Errorf("second commit: %v", err)
		}
		must(t, im.RunCommit(ctx, tenant, up.ID))
		must(t, im.RunCommit(ctx, tenant, up.ID)) // a repeated delivery does nothing
		got, _ = im.Get(ctx, tenant, up.ID)
		if got.Status != importer.StatusCommitted || got.Inserted != 2 || got.CommittedAt == nil {
			t.Fatalf("committed = %+v", got)
		}
		if !j.has(importer.KindCleanup + " " + tenant + " " + up.ID) {
			t.Error("no cleanup job")
		}
		cs, total, err := s.ListCadres(ctx, tenant, roster.Filter{Q: "nguyen van duc"})
		must(t, err)
		if total != 1 || cs[0].Phone != "+84912345678" || cs[0].UnitID != tr.Commune.ID || cs[0].Title != "bi_thu_xa" || cs[0].Employment != cadre.FullTime {
			t.Fatalf("imported cadre = %+v", cs)
		}
		sens, err := s.ReadSensitive(ctx, tenant, cs[0].ID)
		if err != nil || sens.CCCD != "079095012345" || sens.Ethnicity != "Kinh" {
			t.Errorf("imported sensitive = %+v, %v", sens, err)
		}
		pl, _ := s.Planning(ctx, tenant, cs[0].ID)
		if len(pl) != 1 || pl[0].Title != "bi_thu_huyen" || pl[0].Since != cadre.NewDate(2024, 2, 1) {
			t.Errorf("imported planning = %+v", pl)
		}
		if ps, _ := s.Positions(ctx, tenant, cs[0].ID); len(ps) != 1 || ps[0].UnitID != tr.Commune.ID {
			t.Errorf("imported positions = %+v", ps)
		}
		if cs, _, _ := s.ListCadres(ctx, tenant, roster.Filter{Q: "do thi giang"}); len(cs) != 1 || cs[0].Phone != "+84987654321" {
			t.Errorf("row 14 = %+v", cs)
		}
		if n := count(t, db, "audit_log WHERE action = 'cadre.import'"); n != 1 {
			t.Errorf("import audit rows = %d", n)
		}
		must(t, db.TenantTx(ctx, tenant, func(ctx context.Context, tx bun.Tx) error { return im.Cleanup(ctx, tx, tenant, up.ID) }))
		if n := count(t, db, "cadre_import_rows"); n != 0 {
			t.Errorf("staged rows left after cleanup: %d", n)
		}
		if texts := problemTexts(t, im, up.ID); len(texts) != len(want) {
			t.Error("problems must stay readable after cleanup")
		}
		// Imports are tenant data.
		if _, err := im.Get(ctx, "p01", up.ID); core.ErrorCode(err) != core.ENOTFOUND {
			t.Errorf("another tenant reads the import: %v", err)
		}
	})
}

func TestFailedCommitLeavesNothing(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		tr := cadretest.Units(t, s, tenant)
		_, err := s.CreateCadre(ctx, tenant, cadretest.Input("Có Sẵn", tr.Commune.ID))
		must(t, err)
		boom := errors.New("disk full")
		j := &jobs{}
		failing := importer.New(s, j, importer.Options{Batch: 10, Log: slog.New(slog.DiscardHandler), AfterCommitBatch: func(done int) error {
			if done >= 10 {
				return boom
			}
			return nil
		}})
		up, err := failing.Upload(ctx, tenant, "sach.xlsx", cleanWorkbook(t, 25, "X01"))
		must(t, err)
		must(t, failing.Parse(ctx, tenant, up.ID))
		got, _ := failing.Get(ctx, tenant, up.ID)
		if got.ValidRows != 25 || got.ErrorRows != 0 {
			t.Fatalf("parsed = %+v", got)
		}
		before := map[string]int{}
		tables := []string{"cadres", "cadre_positions", "cadre_planning", "audit_log"}
		for _, tb := range tables {
			before[tb] = count(t, db, tb)
		}
		_, err = failing.Commit(ctx, tenant, up.ID, importer.ModeAll)
		must(t, err)
		must(t, failing.RunCommit(ctx, tenant, up.ID))
		got, _ = failing.Get(ctx, tenant, up.ID)
		if got.Status != importer.StatusCommitFailed || got.Inserted != 0 || got.Message == "" {
			t.Fatalf("after the failure = %+v", got)
		}
		for _, tb := range tables {
			if n := count(t, db, tb); n != before[tb] {
				t.Errorf("%s: %d rows, %d before the failed commit", tb, n, before[tb])
			}
		}
		// Committing again, without the fault, writes everything once.
		ok := importer.New(s, j, importer.Options{Batch: 10})
		_, err = ok.Commit(ctx, tenant, up.ID, importer.ModeAll)
		must(t, err)
		must(t, ok.RunCommit(ctx, tenant, up.ID))
		got, _ = ok.Get(ctx, tenant, up.ID)
		if got.Status != importer.StatusCommitted || got.Inserted != 25 {
			t.Fatalf("second commit = %+v", got)
		}
		if n := count(t, db, "cadres"); n != before["cadres"]+25 {
			t.Errorf("cadres = %d", n)
		}
		if n := count(t, db, "cadre_planning"); n != before["cadre_planning"]+12 {
			t.Errorf("planning = %d", n)
		}
		// The roster changed under a preview: a later commit of the same
		// rows is refused with a reason, and writes nothing.
		up2, err := ok.Upload(ctx, tenant, "lai.xlsx", cleanWorkbook(t, 3, "X01"))
		must(t, err)
		must(t, ok.Parse(ctx, tenant, up2.ID))
		got, _ = ok.Get(ctx, tenant, up2.ID)
		if got.ErrorRows != 3 {
			t.Fatalf("re-upload of committed rows = %+v", got)
		}
	})
}

func TestUnreadableFiles(t *testing.T) {
	cadretest.ForEachDialect(t, func(t *testing.T, db cadretest.DB) {
		ctx := cadretest.Ctx(t)
		s := cadretest.Service(t, db)
		cadretest.Units(t, s, tenant)
		im := importer.New(s, &jobs{}, importer.Options{MaxRows: 5})
		noHeader := excelize.NewFile()
		must(t, noHeader.SetCellValue("Sheet1", "A1", "Báo cáo tháng"))
		var nh bytes.Buffer
		must(t, noHeader.Write(&nh))
		missing := excelize.NewFile()
		must(t, missing.SetSheetRow("Sheet1", "A1", &[]any{"Họ và tên", "Giới tính", "Số CCCD"}))
		var ms bytes.Buffer
		must(t, missing.Write(&ms))
		for _, tc := range []struct {
			name    string
			content []byte
			msg     string
		}{
			{"zip garbage", []byte("PK\x03\x04 not really"), "Không đọc được tệp: tệp không phải là bảng tính Excel .xlsx hợp lệ."},
			{"no header", nh.Bytes(), "Không tìm thấy dòng tiêu đề (có cột \"Họ và tên\") trong 20 dòng đầu của tệp; hãy dùng tệp mẫu."},
			{"missing columns", ms.Bytes(), "Tệp thiếu cột bắt buộc: Ngày sinh, Đơn vị, Chế độ công tác."},
			{"too many rows", cleanWorkbook(t, 6, "X01"), "Tệp có quá 5 dòng dữ liệu; hãy chia thành nhiều tệp."},
		} {
			up, err := im.Upload(ctx, tenant, tc.name+".xlsx", tc.content)
			must(t, err)
			must(t, im.Parse(ctx, tenant, up.ID))
			got, _ := im.Get(ctx, tenant, up.ID)
			if got.Status != importer.StatusFailed || got.Message != tc.msg {
				t.Errorf("%s: %s %q", tc.name, got.Status, got.Message)
			}
			_, err = im.Commit(ctx, tenant, up.ID, importer.ModeValidOnly)
			if core.ErrorCode(err) != core.ECONFLICT {
				t.Errorf("%s: commit of a failed import: %v", tc.name, err)
			}
		}
	})
}
