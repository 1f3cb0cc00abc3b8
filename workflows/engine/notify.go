package engine

import (
	"context"
	"fmt"
	"net/smtp"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"doanbd/workflows/definition"
	"doanbd/workflows/outbox"
)

// Job kinds the engine registers on the outbox worker.
const (
	notifyJob = "wf.notify"
	timerJob  = "wf.sla"
	emailJob  = "wf.email"
)

// Mailer sends one e-mail.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// SMTPMailer sends through an SMTP server (no auth when User is empty).
type SMTPMailer struct {
	Addr, From, User, Password string
}

// Send sends a plain-text UTF-8 message.
func (m SMTPMailer) Send(ctx context.Context, to, subject, body string) error {
	if m.Addr == "" {
		return nil
	}
	host := m.Addr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	var auth smtp.Auth
	if m.User != "" {
		auth = smtp.PlainAuth("", m.User, m.Password, host)
	}
	msg := "From: " + m.From + "\r\nTo: " + to + "\r\nSubject: =?UTF-8?B?" + b64(subject) + "?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		strings.ReplaceAll(body, "\n", "\r\n")
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(m.Addr, auth, addrOf(m.From), []string{to}, []byte(msg)) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("smtp send to %s: %w", to, err)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func addrOf(from string) string {
	if i := strings.IndexByte(from, '<'); i >= 0 {
		return strings.TrimSuffix(from[i+1:], ">")
	}
	return from
}

// emailPayload is one e-mail to send.
type emailPayload struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// RegisterJobs installs the engine's job handlers on the outbox worker.
func (e *Engine) RegisterJobs(w *outbox.Worker) {
	w.HandleTx(notifyJob, e.handleNotify)
	w.HandleTx(timerJob, e.handleTimer)
	w.HandleEffect(emailJob, func(ctx context.Context, d outbox.Delivery) error {
		var p emailPayload
		if err := d.Decode(&p); err != nil {
			return err
		}
		if e.mail == nil {
			return nil
		}
		return e.mail.Send(ctx, p.To, p.Subject, p.Body)
	})
}

// handleNotify tells the people concerned, in the app and by e-mail: the
// author on notify_author, everyone who may act now on notify_assignees.
func (e *Engine) handleNotify(ctx context.Context, tx bun.Tx, d outbox.Delivery) error {
	var p EffectPayload
	if err := d.Decode(&p); err != nil {
		return err
	}
	inst, def, err := e.effectInstance(ctx, tx, d.Tenant, p)
	if err != nil || inst == nil {
		return err
	}
	subj, err := e.subject(inst.SubjectType)
	if err != nil {
		return err
	}
	info, err := subj.Load(ctx, tx, d.Tenant, inst.SubjectID)
	if err != nil {
		return err
	}
	var people []Person
	var title string
	toState := def.States[p.To].Title
	if p.Effect == "notify_author" {
		if inst.AuthorID == "" {
			return nil
		}
		a, err := e.dir.Person(ctx, inst.AuthorID)
		if err != nil {
			return err
		}
		people = []Person{a}
		title = fmt.Sprintf("«%s»: %s", info.Title, toState)
	} else {
		if people, err = e.assignees(ctx, d.Tenant, def, p.To); err != nil {
			return err
		}
		title = fmt.Sprintf("Cần xử lý: «%s» (%s)", info.Title, toState)
	}
	body := title
	if p.Comment != "" {
		body += "\nÝ kiến: " + p.Comment
	}
	return e.notify(ctx, tx, d.Tenant, inst.ID, d.ID, p.Effect, title, body, info.Link, people)
}

// assignees are the people who may fire a transition out of state.
func (e *Engine) assignees(ctx context.Context, tenant string, d *definition.Definition, state string) ([]Person, error) {
	var perms []string
	if s := d.States[state]; s != nil && s.Parallel != nil {
		for _, st := range s.Parallel.Steps {
			perms = append(perms, st.Permission)
		}
	}
	for _, t := range d.Transitions {
		if slices.Contains(t.From, state) && !slices.Contains(perms, t.Permission) {
			perms = append(perms, t.Permission)
		}
	}
	seen := map[string]bool{}
	var out []Person
	for _, perm := range perms {
		obj, act, _ := strings.Cut(perm, ".")
		ps, err := e.dir.UsersWhoCan(ctx, tenant, obj, act)
		if err != nil {
			return nil, fmt.Errorf("find assignees: %w", err)
		}
		for _, p := range ps {
			if !seen[p.ID] {
				seen[p.ID] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// notify writes in-app notifications and queues one e-mail per person, all in
// the handler's transaction (ids derived from the delivery: exactly once), with
// one statement for the notifications and one for the e-mails.
func (e *Engine) notify(ctx context.Context, tx bun.Tx, tenant, instanceID, deliveryID, kind, title, body, link string, people []Person) error {
	if len(people) == 0 {
		return nil
	}
	now := time.Now().UTC()
	mailBody := body
	if link != "" && e.baseURL != "" {
		mailBody += "\n\n" + strings.TrimSuffix(e.baseURL, "/") + link
	}
	notes := make([]Notification, 0, len(people))
	var mails []outbox.Job
	for _, p := range people {
		n := Notification{ID: deliveryID + ":" + p.ID, TenantID: tenant, UserID: p.ID, InstanceID: instanceID, Kind: kind,
			Title: title, Body: body, Link: link, CreatedAt: now}
		notes = append(notes, n)
		if p.Email != "" {
			mails = append(mails, outbox.Job{Kind: emailJob, Tenant: tenant, Key: "mail:" + n.ID,
				Payload: emailPayload{To: p.Email, Subject: "[doanbd] " + title, Body: mailBody}})
		}
	}
	if _, err := tx.NewInsert().Model(&notes).On("CONFLICT (id) DO NOTHING").Returning("NULL").Exec(ctx); err != nil {
		return fmt.Errorf("notifications: %w", err)
	}
	if _, err := outbox.AddAll(ctx, tx, mails...); err != nil {
		return err
	}
	return nil
}

// effectInstance is what an effect job needs of its instance: taken from the
// payload (the definition is cached), read from the database only for jobs
// recorded before the payload carried it.
func (e *Engine) effectInstance(ctx context.Context, q bun.IDB, tenant string, p EffectPayload) (*Instance, *definition.Definition, error) {
	if p.DefinitionID == "" {
		return e.instanceByID(ctx, q, tenant, p.InstanceID)
	}
	d, err := e.reg.get(ctx, q, p.DefinitionID)
	if err != nil {
		return nil, nil, err
	}
	return &Instance{ID: p.InstanceID, TenantID: tenant, SubjectType: p.SubjectType, SubjectID: p.SubjectID,
		DefinitionID: p.DefinitionID, AuthorID: p.AuthorID}, d, nil
}

func (e *Engine) instanceByID(ctx context.Context, q bun.IDB, tenant, id string) (*Instance, *definition.Definition, error) {
	var in Instance
	if err := q.NewSelect().Model(&in).Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx); err != nil {
		if isNoRows(err) {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("load instance %s: %w", id, err)
	}
	d, err := e.reg.get(ctx, q, in.DefinitionID)
	return &in, d, err
}

// Notifications lists the user's latest in-app notifications.
func (e *Engine) Notifications(ctx context.Context, user string, limit int) ([]Notification, error) {
	var ns []Notification
	if err := e.db.Read.NewSelect().Model(&ns).Where("user_id = ?", user).OrderExpr("created_at DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	if ns == nil {
		ns = []Notification{}
	}
	return ns, nil
}

// MarkRead marks the user's notification read.
func (e *Engine) MarkRead(ctx context.Context, user, id string) error {
	return e.db.SystemTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Notification)(nil)).Set("read_at = ?", time.Now().UTC()).
			Where("id = ? AND user_id = ? AND read_at IS NULL", id, user).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark read: %w", err)
		}
		return nil
	})
}
