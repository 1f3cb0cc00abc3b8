package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"doanbd/core/cadre"
)

// ErrNoHeader means no sheet of the workbook has a recognisable header row.
var ErrNoHeader = errors.New("xlsx: no header row found")

// headerScan is how many rows from the top may hold the header (title
// banners, the issuing unit, blank lines come first in real files).
const headerScan = 20

// Row is one data row of an uploaded sheet.
type Row struct {
	// No is the row number as Excel shows it.
	No int
	// Values are the raw cell texts by field: no number format applied (a
	// date cell gives its serial number), formulas as their cached value (or,
	// when the file was saved without one, as computed here). A cell under a
	// merged range spanning rows in one column (a unit merged over its
	// cadres) reads as the range's value.
	Values map[string]string
	// Uncomputed lists the fields whose cell holds a formula that has no
	// saved value and could not be computed: they read as empty.
	Uncomputed []string
}

// Reader streams the data rows of an uploaded workbook. Memory stays bounded
// by the shared-strings table and one row, whatever the number of rows.
type Reader struct {
	f         *excelize.File
	rows      *excelize.Rows
	sheet     string
	fields    map[int]string
	ahead     [][]string // rows read while looking for the header, after it
	rowNo     int
	headerRow int
	estimate  int
	date1904  bool
	data      []byte                      // the workbook's bytes, for sheetScan
	formulas  map[int]map[int]formulaCell // row → column → computed formula
	merges    []cellRange                 // vertical merges below the header, by first row
	active    []*cellRange                // merges covering the current row
}

// formulaCell is a formula cell saved without a value.
type formulaCell struct {
	val string
	ok  bool
}

// Open reads a workbook and finds the header row on its first visible sheet
// that has one. It returns ErrNoHeader if there is none.
func Open(r io.Reader) (*Reader, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("xlsx: read upload: %w", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("xlsx: open workbook: %w", err)
	}
	rd := &Reader{f: f, data: data}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		rd.date1904 = *props.Date1904
	}
	for _, sheet := range f.GetSheetList() {
		if visible, err := f.GetSheetVisible(sheet); err != nil || !visible {
			continue
		}
		ok, err := rd.tryHeader(sheet)
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		if ok {
			rd.data = nil
			return rd, nil
		}
	}
	_ = f.Close()
	return nil, ErrNoHeader
}

// tryHeader reads the top of a sheet and, if a header row is found there,
// keeps the sheet's row iterator positioned after the rows already read.
func (rd *Reader) tryHeader(sheet string) (bool, error) {
	rows, err := rd.f.Rows(sheet)
	if err != nil {
		return false, fmt.Errorf("xlsx: read sheet %s: %w", sheet, err)
	}
	var top [][]string
	for len(top) < headerScan && rows.Next() {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			_ = rows.Close()
			return false, fmt.Errorf("xlsx: read sheet %s: %w", sheet, err)
		}
		top = append(top, cleanCells(cells))
	}
	facts, err := scanSheet(rd.data, sheet)
	if err != nil {
		_ = rows.Close()
		return false, err
	}
	at, fields := findHeader(withMerges(top, facts.merges), !mergedTop(facts.merges))
	if at < 0 {
		_ = rows.Close()
		return false, nil
	}
	rd.rows, rd.sheet, rd.fields = rows, sheet, fields
	rd.headerRow, rd.rowNo = at+1, at+1
	rd.ahead = top[at+1:]
	rd.formulas = rd.compute(sheet, facts.uncached)
	for _, m := range facts.merges {
		if m.vertical() && m.row1 > rd.headerRow {
			rd.merges = append(rd.merges, m)
		}
	}
	slices.SortFunc(rd.merges, func(a, b cellRange) int { return a.row1 - b.row1 })
	if dim, err := rd.f.GetSheetDimension(sheet); err == nil {
		if _, last, ok := strings.Cut(dim, ":"); ok {
			if _, r, err := excelize.CellNameToCoordinates(last); err == nil && r > rd.headerRow {
				rd.estimate = r - rd.headerRow
			}
		}
	}
	return true, nil
}

// mergedTop reports whether a merged range starts among the rows searched
// for the header.
func mergedTop(merges []cellRange) bool {
	for _, m := range merges {
		if m.row1 <= headerScan {
			return true
		}
	}
	return false
}

// withMerges is a copy of the top rows with every merged range's text in
// each of its cells, as a reader of the printed sheet sees it.
func withMerges(top [][]string, merges []cellRange) [][]string {
	out := make([][]string, len(top))
	for i, row := range top {
		out[i] = slices.Clone(row)
	}
	for _, m := range merges {
		if m.row1 > len(out) {
			continue
		}
		v := cellAt(out[m.row1-1], m.col1-1)
		for r := m.row1; r <= min(m.row2, len(out)); r++ {
			for c := m.col1; c <= m.col2; c++ {
				for len(out[r-1]) < c {
					out[r-1] = append(out[r-1], "")
				}
				if out[r-1][c-1] == "" {
					out[r-1][c-1] = v
				}
			}
		}
	}
	return out
}

// compute evaluates formula cells saved without a value (a file written by a
// program, not by Excel). Loading the sheet for the calculation costs memory,
// which only such files pay.
func (rd *Reader) compute(sheet string, refs []string) map[int]map[int]formulaCell {
	out := map[int]map[int]formulaCell{}
	for _, ref := range refs {
		c, r, err := excelize.CellNameToCoordinates(ref)
		if err != nil || r <= rd.headerRow {
			continue
		}
		v, err := rd.f.CalcCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if out[r] == nil {
			out[r] = map[int]formulaCell{}
		}
		out[r][c] = formulaCell{val: strings.TrimSpace(v), ok: err == nil}
	}
	return out
}

// findHeader picks the row whose cells name the most known columns, reading
// each column's label through merged cells (excelize, like Excel, keeps the
// text of a merged range in its first cell only): an empty cell inherits the
// label above it (a header merged over two rows, or a row of column numbers
// "(1) (2) …" under the header), and a text in the row above carries to the
// right over empty cells as a group label, tried first as a prefix ("Quy
// hoạch" over "Chức danh" and "Từ ngày"). A tie goes to the lower row, so
// the data starts after every header row. A header must name the full-name
// column and at least three columns.
//
// When the workbook records merged ranges among the top rows, they are put
// into every cell they cover first, and a group label then covers exactly
// its range (carry is false): a label over "Chức danh" and "Từ ngày" must
// not swallow a "Chức danh" column after them.
func findHeader(top [][]string, carry bool) (int, map[int]string) {
	best, bestAt := 0, -1
	var bestFields map[int]string
	var labels []string // resolved label of each column at the previous row
	for r := range top {
		var above []string
		if r > 0 {
			above = top[r-1]
		}
		var fields map[int]string
		labels, fields = resolveRow(top[r], above, labels, carry)
		hasName := false
		for _, f := range fields {
			hasName = hasName || f == cadre.FFullName
		}
		if hasName && len(fields) >= 3 && len(fields) >= best {
			best, bestAt, bestFields = len(fields), r, fields
		}
	}
	return bestAt, bestFields
}

var numbering = regexp.MustCompile(`^[(\[]?\d{1,3}[)\]]?$`)

// resolveRow returns the label of every column at this row, given the raw
// row above and the labels resolved there, and the fields the labels name.
func resolveRow(row, above, prev []string, carry bool) ([]string, map[int]string) {
	width := max(len(row), len(above), len(prev))
	labels := make([]string, width)
	fields := map[int]string{}
	seen := map[string]bool{}
	group := ""
	for c := 0; c < width; c++ {
		if a := cellAt(above, c); a != "" || !carry {
			group = a
		}
		cell := cellAt(row, c)
		if numbering.MatchString(cell) {
			cell = ""
		}
		switch {
		case cell == "":
			labels[c] = cellAt(prev, c)
		case group != "" && group != cell && matches(group+" "+cell):
			labels[c] = group + " " + cell
		default:
			labels[c] = cell
		}
		if f, ok := matchHeader(labels[c]); ok && f != FieldSTT && !seen[f] {
			fields[c], seen[f] = f, true
		}
	}
	return labels, fields
}

func matches(label string) bool {
	_, ok := matchHeader(label)
	return ok
}

func cellAt(row []string, c int) string {
	if c < len(row) {
		return row[c]
	}
	return ""
}

func cleanCells(cells []string) []string {
	for i, c := range cells {
		cells[i] = strings.TrimSpace(strings.ReplaceAll(c, "\u00a0", " "))
	}
	return cells
}

// Sheet is the name of the sheet being read.
func (rd *Reader) Sheet() string { return rd.sheet }

// HeaderRow is the Excel row number of the header.
func (rd *Reader) HeaderRow() int { return rd.headerRow }

// Estimate is the number of rows below the header according to the sheet's
// recorded dimension (an estimate: blank rows count, and it may be absent).
func (rd *Reader) Estimate() int { return rd.estimate }

// Fields lists the fields found, in column order.
func (rd *Reader) Fields() []string {
	cols := make([]int, 0, len(rd.fields))
	for c := range rd.fields {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = rd.fields[c]
	}
	return out
}

// Next returns the next non-blank data row. Rows with nothing in the known
// columns are skipped, and so is a row of column numbers ("(1)", "(2)", …).
func (rd *Reader) Next() (Row, bool, error) {
	for {
		cells, ok, err := rd.nextCells()
		if err != nil || !ok {
			return Row{}, false, err
		}
		cells = rd.fill(cells)
		vals := make(map[string]string, len(rd.fields))
		var uncomputed []string
		for c, fc := range rd.formulas[rd.rowNo] {
			if f, ok := rd.fields[c-1]; ok && !fc.ok {
				uncomputed = append(uncomputed, f)
			}
		}
		numbers, other := 0, 0
		for c, f := range rd.fields {
			v := cellAt(cells, c)
			if v == "" {
				continue
			}
			vals[f] = v
			if numbering.MatchString(v) {
				numbers++
			} else {
				other++
			}
		}
		if len(uncomputed) == 0 && other == 0 && (numbers == 0 || numbers == len(vals) && len(vals) > 2) {
			continue
		}
		slices.Sort(uncomputed)
		return Row{No: rd.rowNo, Values: vals, Uncomputed: uncomputed}, true, nil
	}
}

// fill puts into the current row's empty cells the values of formulas that
// were computed and of vertical merges covering it. Merges spanning columns
// are left alone below the header: there they are total or note lines, whose
// text copied into every column would make a row of nonsense.
func (rd *Reader) fill(cells []string) []string {
	n := rd.rowNo
	set := func(c int, v string) {
		for len(cells) < c {
			cells = append(cells, "")
		}
		if cells[c-1] == "" {
			cells[c-1] = v
		}
	}
	for c, fc := range rd.formulas[n] {
		if fc.ok {
			set(c, fc.val)
		}
	}
	for len(rd.merges) > 0 && rd.merges[0].row1 <= n {
		m := rd.merges[0]
		rd.merges = rd.merges[1:]
		if m.row1 == n {
			m.val = cellAt(cells, m.col1-1)
			rd.active = append(rd.active, &m)
		}
	}
	keep := rd.active[:0]
	for _, m := range rd.active {
		if m.row1 < n && n <= m.row2 {
			set(m.col1, m.val)
		}
		if n < m.row2 {
			keep = append(keep, m)
		}
	}
	rd.active = keep
	return cells
}

func (rd *Reader) nextCells() ([]string, bool, error) {
	rd.rowNo++
	if len(rd.ahead) > 0 {
		cells := rd.ahead[0]
		rd.ahead = rd.ahead[1:]
		return cells, true, nil
	}
	if !rd.rows.Next() {
		if err := rd.rows.Error(); err != nil {
			return nil, false, fmt.Errorf("xlsx: read row %d: %w", rd.rowNo, err)
		}
		return nil, false, nil
	}
	cells, err := rd.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, false, fmt.Errorf("xlsx: read row %d: %w", rd.rowNo, err)
	}
	return cleanCells(cells), true, nil
}

// Date reads a date cell: dd/mm/yyyy text or a date serial (in the
// workbook's 1900 or 1904 date system).
func (rd *Reader) Date(s string) (cadre.Date, bool) {
	d, ok := cadre.ParseCell(s)
	if _, err := strconv.ParseFloat(s, 64); ok && err == nil && rd.date1904 {
		d = cadre.DateOf(d.Time().AddDate(0, 0, 1462))
	}
	return d, ok
}

// Close releases the workbook (and its temporary files).
func (rd *Reader) Close() error {
	var err error
	if rd.rows != nil {
		err = rd.rows.Close()
	}
	return errors.Join(err, rd.f.Close())
}
