package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"doanbd/core"
	"doanbd/core/i18n"
)

// Form carries what the user typed and what is wrong with it, so a form that
// fails validation comes back filled in, with each error next to its field.
type Form struct {
	Values url.Values
	// Errors maps a field name to a message already in the user's language.
	Errors map[string]string
	// Message is a form-wide message (shown above the form).
	Message string
	// Details are the service's field messages for fields this form does
	// not have (a plan's classes when it is submitted): listed under Message.
	Details []string
	p       i18n.Printer
}

// newForm reads the posted form fields.
func newForm(c *gin.Context, p i18n.Printer) (*Form, error) {
	// ParseMultipartForm parses url-encoded bodies too, then reports ErrNotMultipart.
	if err := c.Request.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, core.Invalid("Dữ liệu biểu mẫu không hợp lệ.")
	}
	return &Form{Values: c.Request.PostForm, Errors: map[string]string{}, p: p}, nil
}

// emptyForm is a form with nothing typed yet, optionally pre-filled.
func emptyForm(p i18n.Printer, values url.Values) *Form {
	if values == nil {
		values = url.Values{}
	}
	return &Form{Values: values, Errors: map[string]string{}, p: p}
}

// Get returns the trimmed value of a field.
func (f *Form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// List returns every value of a multi-valued field.
func (f *Form) List(name string) []string { return f.Values[name] }

// Err returns the error message of a field, if any.
func (f *Form) Err(name string) string { return f.Errors[name] }

// Fail records the catalogue message key for a field.
func (f *Form) Fail(name, key string, args ...any) {
	if _, dup := f.Errors[name]; !dup {
		f.Errors[name] = f.p.T(key, args...)
	}
}

// Required fails every named field that is empty.
func (f *Form) Required(names ...string) {
	for _, n := range names {
		if f.Get(n) == "" {
			f.Fail(n, "form.required")
		}
	}
}

// OK reports whether no error was recorded.
func (f *Form) OK() bool { return len(f.Errors) == 0 && f.Message == "" }

// Take copies a service's validation error onto the form: field errors next
// to their fields (fields maps service field names to form field names when
// they differ), the rest as the form message. It reports whether err was a
// validation or conflict error the user can fix; anything else the caller
// returns as is.
func (f *Form) Take(err error, fields map[string]string) bool {
	switch core.ErrorCode(err) {
	case core.EINVALID, core.ECONFLICT:
	default:
		return false
	}
	for _, fe := range core.ErrorFields(err) {
		name := fe.Field
		if m, ok := fields[name]; ok {
			name = m
		}
		if _, posted := f.Values[name]; !posted {
			d := fe.Message
			if fe.Row > 0 {
				d = f.p.T("form.row", fe.Row) + d
			}
			f.Details = append(f.Details, d)
		}
		if _, ok := f.Errors[name]; !ok && name != "" {
			f.Errors[name] = fe.Message
		}
	}
	if len(core.ErrorFields(err)) == 0 || f.Message == "" {
		f.Message = core.ErrorMessage(err)
	}
	return true
}
