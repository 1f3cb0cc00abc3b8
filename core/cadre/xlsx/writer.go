package xlsx

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"doanbd/core/cadre"
)

// Writer writes a table row by row. Values are strings or cadre.Date.
type Writer interface {
	Write(values []any) error
	// Close finishes the file and writes what is buffered to the output.
	Close() error
}

// XLSXWriter streams rows into one sheet with excelize's StreamWriter: rows
// go to a temporary file as they come, so memory stays bounded; Close
// assembles the workbook into the output.
type XLSXWriter struct {
	out  io.Writer
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
	date int
}

// NewXLSX starts a workbook with one sheet and a bold header row.
func NewXLSX(out io.Writer, sheet string, cols []Column) (*XLSXWriter, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("xlsx export: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("xlsx export: %w", err)
	}
	w := &XLSXWriter{out: out, f: f, sw: sw, row: 1}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err == nil {
		w.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("xlsx export: %w", err)
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("xlsx export: %w", err)
		}
		header[i] = excelize.Cell{StyleID: bold, Value: c.Header}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("xlsx export: %w", err)
	}
	if err := w.Write(header); err != nil {
		_ = f.Close()
		return nil, err
	}
	return w, nil
}

// Write implements Writer.
func (w *XLSXWriter) Write(values []any) error {
	row := make([]any, len(values))
	for i, v := range values {
		if d, ok := v.(cadre.Date); ok {
			if d.IsZero() {
				row[i] = nil
			} else {
				row[i] = excelize.Cell{StyleID: w.date, Value: d.Time()}
			}
			continue
		}
		row[i] = v
	}
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	if err := w.sw.SetRow(cell, row); err != nil {
		return fmt.Errorf("xlsx export row %d: %w", w.row, err)
	}
	w.row++
	return nil
}

// Close implements Writer.
func (w *XLSXWriter) Close() error {
	defer w.f.Close()
	if err := w.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx export: %w", err)
	}
	if err := w.f.Write(w.out); err != nil {
		return fmt.Errorf("xlsx export: write: %w", err)
	}
	return nil
}

// CSVWriter writes UTF-8 CSV with a byte-order mark, so Excel opens
// Vietnamese text correctly; dates as dd/mm/yyyy.
type CSVWriter struct {
	buf *bufio.Writer
	w   *csv.Writer
}

// NewCSV writes the BOM and the header row.
func NewCSV(out io.Writer, cols []Column) (*CSVWriter, error) {
	buf := bufio.NewWriterSize(out, 64<<10)
	if _, err := buf.WriteString("\uFEFF"); err != nil {
		return nil, fmt.Errorf("csv export: %w", err)
	}
	w := &CSVWriter{buf: buf, w: csv.NewWriter(buf)}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = c.Header
	}
	return w, w.Write(header)
}

// Write implements Writer.
func (w *CSVWriter) Write(values []any) error {
	rec := make([]string, len(values))
	for i, v := range values {
		switch x := v.(type) {
		case cadre.Date:
			rec[i] = x.VN()
		case string:
			rec[i] = x
		case nil:
		default:
			rec[i] = fmt.Sprint(x)
		}
	}
	if err := w.w.Write(rec); err != nil {
		return fmt.Errorf("csv export: %w", err)
	}
	return nil
}

// Close implements Writer.
func (w *CSVWriter) Close() error {
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		return fmt.Errorf("csv export: %w", err)
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("csv export: %w", err)
	}
	return nil
}
