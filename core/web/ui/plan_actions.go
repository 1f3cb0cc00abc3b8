package ui

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"doanbd/core"

	"doanbd/core/i18n"
	"doanbd/workflows/engine"
)

func timeNow() time.Time { return time.Now().UTC() }

// planAction handles POST /t/:tenant/plans/:id/actions: fire a workflow
// action (submit, approve, return, record the People's Committee decision…)
// with its comment and fields. Errors come back next to the fields of that
// action's form.
func (u *UI) planAction(c *gin.Context) error {
	if u.workflows == nil {
		return core.Errorf(core.ENOTFOUND, "Không có quy trình xử lý.")
	}
	v := u.view(c, "plans.title")
	id := c.Param("id")
	f, err := u.fire(c, v, planSubject, id)
	if err != nil {
		return err
	}
	if f.OK() {
		return u.redirect(c, "/t/"+v.Tenant.ID+"/plans/"+id, "plan.action_done")
	}
	d, err := u.planPage(c, v)
	if err != nil {
		return err
	}
	v.Form, v.Data, v.Status = f, d, http.StatusUnprocessableEntity
	return u.html(c, "plan", v)
}

// fire reads an action form and fires the action on a workflow subject; a
// PDF field is uploaded first. The returned form is OK when the action was
// taken, else it carries what to show next to the fields.
func (u *UI) fire(c *gin.Context, v *View, subject, id string) (*Form, error) {
	f, err := newForm(c, u.cat.For(v.Lang))
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	t := v.Tenant.ID
	st, err := u.workflows.Status(ctx, *v.User, t, subject, id)
	if err != nil {
		return nil, err
	}
	var act *engine.Action
	for i := range st.Actions {
		if st.Actions[i].Action == f.Get("action") {
			act = &st.Actions[i]
		}
	}
	if act == nil {
		f.Message = f.p.T("plan.action_gone")
		return f, nil
	}
	in := engine.FireInput{Action: act.Action, Comment: f.Get("comment"), Fields: map[string]string{}}
	if act.Comment == "required" && in.Comment == "" {
		f.Fail("comment", "plan.comment_required")
	}
	for _, name := range act.Fields {
		if strings.HasSuffix(name, "_pdf") {
			fh, ferr := c.FormFile(name)
			if ferr != nil {
				f.Fail(name, "plan.pdf_required")
				continue
			}
			data, rerr := readUpload(fh, engine.MaxFileSize)
			if rerr != nil {
				f.Fail(name, "import.file_unreadable")
				continue
			}
			file, uerr := u.workflows.Upload(ctx, *v.User, t, fh.Filename, data)
			if uerr != nil {
				if !f.Take(uerr, map[string]string{"file": name}) {
					return nil, uerr
				}
				continue
			}
			in.Fields[name] = file.ID
			continue
		}
		val := f.Get(name)
		if val == "" {
			f.Fail(name, "form.required")
		} else if strings.HasSuffix(name, "_date") {
			if _, perr := i18n.ParseDate(val); perr != nil {
				f.Fail(name, "form.date_invalid")
			}
		}
		in.Fields[name] = val
	}
	if !f.OK() {
		return f, nil
	}
	if _, err := u.workflows.Fire(ctx, *v.User, t, subject, id, in); err != nil && !f.Take(err, nil) {
		return nil, err
	}
	return f, nil
}
