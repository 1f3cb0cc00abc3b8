package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// What excelize's streaming row iterator does not show: merged ranges (kept
// after the sheet's rows in the XML) and formula cells saved without a cached
// value (files written by programs rather than Excel). sheetScan finds both
// with one pass of plain byte searches over the sheet's XML, which costs far
// less than a second XML decode of a 100,000-row sheet.

// cellRange is a merged range, 1-based and inclusive.
type cellRange struct {
	col1, row1, col2, row2 int
	val                    string // the top-left cell's text, once read
}

func (m cellRange) vertical() bool { return m.col1 == m.col2 && m.row2 > m.row1 }

// sheetFacts is what sheetScan found.
type sheetFacts struct {
	merges []cellRange
	// uncached are the cells holding a formula and no value.
	uncached []string
}

// maxUncached bounds how many uncached formula cells are computed: a file
// with more is a generated file whose formulas would take long to evaluate,
// and the rest read as empty with a problem each.
const maxUncached = 5000

// scanChunk is how much XML one search step holds; scanOverlap must exceed
// the longest element searched for (a cell with its formula).
const (
	scanChunk   = 4 << 20
	scanOverlap = 64 << 10
)

// scanSheet reads the XML part of sheet from the workbook's bytes.
func scanSheet(data []byte, sheet string) (sheetFacts, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return sheetFacts{}, fmt.Errorf("xlsx: open package: %w", err)
	}
	part, err := sheetPart(zr, sheet)
	if err != nil || part == nil {
		return sheetFacts{}, err
	}
	rc, err := part.Open()
	if err != nil {
		return sheetFacts{}, fmt.Errorf("xlsx: open %s: %w", part.Name, err)
	}
	defer rc.Close()
	var facts sheetFacts
	buf := make([]byte, 0, scanChunk+scanOverlap)
	for {
		n, rerr := io.ReadFull(rc, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !eof {
			return sheetFacts{}, fmt.Errorf("xlsx: read %s: %w", part.Name, rerr)
		}
		// Elements starting before limit are complete in buf (or the file ends).
		limit := len(buf)
		if !eof {
			limit -= scanOverlap
		}
		facts.scan(buf, limit)
		if eof {
			return facts, nil
		}
		buf = append(buf[:0], buf[limit:]...)
	}
}

var (
	tagMerge  = []byte("mergeCell ")
	tagCell   = []byte("<c ")
	tagCellNS = []byte(":c ")
)

// scan records the merges and uncached formula cells that start in buf[:limit].
func (fs *sheetFacts) scan(buf []byte, limit int) {
	for i := 0; i < limit; {
		j := bytes.Index(buf[i:], tagMerge)
		if j < 0 || i+j >= limit {
			break
		}
		at := i + j
		if at > 0 && (buf[at-1] == '<' || buf[at-1] == ':') {
			if end := bytes.IndexByte(buf[at:], '>'); end > 0 {
				if r, ok := parseRange(attr(buf[at:at+end], "ref")); ok {
					fs.merges = append(fs.merges, r)
				}
			}
		}
		i = at + len(tagMerge)
	}
	if len(fs.uncached) >= maxUncached {
		return
	}
	// A formula cell is <c r="C8" …><f>…</f></c>, with <v>…</v> when cached;
	// formula elements are rare, so look for "<f" / ":f" and check the cell.
	for i := 0; i < limit && len(fs.uncached) < maxUncached; {
		j := indexFormula(buf[i:limit])
		if j < 0 {
			break
		}
		at := i + j
		i = at + 2
		start := max(bytes.LastIndex(buf[:at], tagCell), bytes.LastIndex(buf[:at], tagCellNS))
		if start < 0 {
			continue
		}
		end := bytes.Index(buf[at:], []byte("</c>"))
		if end < 0 {
			end = bytes.Index(buf[at:], []byte(":c>")) // </x:c>
		}
		if end < 0 {
			continue
		}
		cell := buf[start : at+end]
		if bytes.Contains(cell, []byte("<v>")) || bytes.Contains(cell, []byte("<v ")) || bytes.Contains(cell, []byte(":v>")) ||
			bytes.Contains(cell, []byte("<is>")) || bytes.Contains(cell, []byte(":is>")) {
			continue
		}
		if ref := attr(cell[:bytes.IndexByte(cell, '>')+1], "r"); ref != "" {
			fs.uncached = append(fs.uncached, ref)
		}
	}
}

// indexFormula finds the next formula element start: "<f" or ":f" followed
// by '>', ' ' or '/' (not <font>, <filterColumn>, …).
func indexFormula(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], 'f')
		if j < 0 {
			return -1
		}
		at := i + j
		if at > 0 && at+1 < len(b) && (b[at-1] == '<' || b[at-1] == ':') {
			if c := b[at+1]; c == '>' || c == ' ' || c == '/' {
				return at - 1
			}
		}
		i = at + 1
	}
}

// attr reads name="value" from an element's start tag.
func attr(tag []byte, name string) string {
	key := []byte(" " + name + `="`)
	i := bytes.Index(tag, key)
	if i < 0 {
		return ""
	}
	rest := tag[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func parseRange(ref string) (cellRange, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		return cellRange{}, false
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(a)
	c2, r2, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil || c2 < c1 || r2 < r1 {
		return cellRange{}, false
	}
	return cellRange{col1: c1, row1: r1, col2: c2, row2: r2}, true
}

// sheetPart finds the zip entry of a sheet through the workbook and its
// relationships; nil when the package is laid out in a way it does not know
// (the scan is then skipped: nothing worse than before it existed).
func sheetPart(zr *zip.Reader, sheet string) (*zip.File, error) {
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		files[strings.TrimPrefix(f.Name, "/")] = f
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := readXML(files["xl/workbook.xml"], &wb); err != nil {
		return nil, err
	}
	if err := readXML(files["xl/_rels/workbook.xml.rels"], &rels); err != nil {
		return nil, err
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID != s.ID {
				continue
			}
			name := strings.TrimPrefix(r.Target, "/")
			if !strings.HasPrefix(r.Target, "/") {
				name = path.Clean(path.Join("xl", r.Target))
			}
			return files[name], nil
		}
	}
	return nil, nil
}

func readXML(f *zip.File, v any) error {
	if f == nil {
		return nil
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("xlsx: open %s: %w", f.Name, err)
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("xlsx: read %s: %w", f.Name, err)
	}
	return nil
}
