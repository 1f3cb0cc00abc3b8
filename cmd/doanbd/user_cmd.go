package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"doanbd/core"
	"doanbd/core/identity"
)

// userCmd is `doanbd user`: add users (or roles to users) and list a
// tenant's users, for operators without the API.
func userCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage user accounts and their roles in tenants"}
	cmd.AddCommand(userAddCmd(g), userListCmd(g), userStatusCmd(g, "disable", identity.StatusDisabled), userStatusCmd(g, "enable", identity.StatusActive))
	return cmd
}

// withIdentity opens the app (migrating the embedded database) and runs fn
// with an identity service.
func withIdentity(g *globals, fn func(ctx context.Context, id *identity.Service) error) error {
	cfg, err := g.load()
	if err != nil {
		return err
	}
	ctx, stop := signalContext()
	defer stop()
	a, err := Open(ctx, cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer a.Close()
	id, err := a.identityForCommand(ctx)
	if err != nil {
		return err
	}
	return fn(ctx, id)
}

func userAddCmd(g *globals) *cobra.Command {
	var in identity.AddUserInput
	cmd := &cobra.Command{
		Use:   "add --tenant SLUG --email EMAIL --role ROLE [--name NAME] [--reset-password]",
		Short: "Give a user a role in a tenant, creating the user if the email is new",
		Long: `Gives the user with EMAIL the role ROLE in tenant SLUG.

A new email creates the user: the password is read from DOANBD_PASSWORD, or else
from the first line of standard input (at least 10 characters); the name
defaults to the part of the email before the @.

An existing user only gets the role: the password is left unchanged (and not
read) unless --reset-password is given. Adding a role the user already holds
changes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withIdentity(g, func(ctx context.Context, id *identity.Service) error {
				return runUserAdd(ctx, cmd, id, in)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Tenant, "tenant", "", "tenant slug (tw, p79, bqp…)")
	f.StringVar(&in.Email, "email", "", "email address (the login)")
	f.StringVar(&in.Role, "role", "", "role template: "+strings.Join(identity.DefaultRoles(), ", "))
	f.StringVar(&in.Name, "name", "", "full name, in Vietnamese with diacritics (new users)")
	f.BoolVar(&in.ResetPassword, "reset-password", false, "also replace an existing user's password")
	for _, n := range []string{"tenant", "email", "role"} {
		_ = cmd.MarkFlagRequired(n)
	}
	return cmd
}

func runUserAdd(ctx context.Context, cmd *cobra.Command, id *identity.Service, in identity.AddUserInput) error {
	if err := id.CheckAdd(ctx, in); err != nil {
		return cliError(err)
	}
	_, err := id.UserByEmail(ctx, in.Email)
	exists := err == nil
	if err != nil && core.ErrorCode(err) != core.ENOTFOUND {
		return err
	}
	if !exists || in.ResetPassword {
		if in.Password, err = readPassword(cmd); err != nil {
			return err
		}
	}
	if !exists && strings.TrimSpace(in.Name) == "" {
		in.Name, _, _ = strings.Cut(strings.TrimSpace(in.Email), "@")
	}
	res, err := id.AddUser(ctx, identity.Actor{Email: "cli"}, in)
	if err != nil {
		return cliError(err)
	}
	out := cmd.OutOrStdout()
	switch {
	case res.Created:
		fmt.Fprintf(out, "Đã tạo người dùng %s (%s) với vai trò %s tại %s.\n", res.User.Email, res.User.ID, in.Role, in.Tenant)
	case res.RoleAdded:
		fmt.Fprintf(out, "Đã thêm vai trò %s tại %s cho %s.\n", in.Role, in.Tenant, res.User.Email)
	default:
		fmt.Fprintf(out, "%s đã có vai trò %s tại %s; không thay đổi vai trò.\n", res.User.Email, in.Role, in.Tenant)
	}
	if res.PasswordSet && !res.Created {
		fmt.Fprintln(out, "Đã đặt mật khẩu mới; các mã truy cập cũ bị thu hồi.")
	}
	return nil
}

// readPassword takes the password from DOANBD_PASSWORD, else the first line
// of standard input.
func readPassword(cmd *cobra.Command) (string, error) {
	if pw, ok := os.LookupEnv("DOANBD_PASSWORD"); ok {
		return pw, nil
	}
	in := cmd.InOrStdin()
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(cmd.ErrOrStderr(), "Mật khẩu (chữ gõ sẽ hiện trên màn hình; dùng DOANBD_PASSWORD để tránh): ")
		}
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password: set DOANBD_PASSWORD or give it on the first line of standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cliError turns an application error into one readable line, with its
// field details.
func cliError(err error) error {
	var ae *core.Error
	if !errors.As(err, &ae) || ae.Code == core.EINTERNAL {
		return err
	}
	msg := ae.Message
	for _, f := range ae.Fields {
		msg += " " + f.Field + ": " + f.Message
	}
	return errors.New(msg)
}

func userListCmd(g *globals) *cobra.Command {
	var tenant string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list --tenant SLUG [--json]",
		Short: "List the users holding a role in a tenant",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withIdentity(g, func(ctx context.Context, id *identity.Service) error {
				if _, err := id.Tenant(ctx, tenant); err != nil {
					return cliError(err)
				}
				ms, _, err := id.Members(ctx, tenant, 0, 0)
				if err != nil {
					return cliError(err)
				}
				out := cmd.OutOrStdout()
				if asJSON {
					if ms == nil {
						ms = []identity.Member{}
					}
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(ms)
				}
				tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "EMAIL\tHỌ TÊN\tVAI TRÒ\tTRẠNG THÁI\tĐĂNG NHẬP GẦN NHẤT")
				for _, m := range ms {
					last := "-"
					if m.LastLoginAt != nil {
						last = m.LastLoginAt.UTC().Format("2006-01-02 15:04 UTC")
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Email, m.Name, strings.Join(m.Roles, ","), m.Status, last)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(out, "%d người dùng có vai trò tại %s.\n", len(ms), tenant)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "tenant slug")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	_ = cmd.MarkFlagRequired("tenant")
	return cmd
}

func userStatusCmd(g *globals, verb, status string) *cobra.Command {
	var email string
	cmd := &cobra.Command{
		Use:   verb + " --email EMAIL",
		Short: map[string]string{"disable": "Disable a user (logins refused, tokens revoked)", "enable": "Enable a disabled user"}[verb],
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withIdentity(g, func(ctx context.Context, id *identity.Service) error {
				u, err := id.UserByEmail(ctx, email)
				if err != nil {
					return cliError(err)
				}
				if err := id.SetStatus(ctx, identity.Actor{Email: "cli"}, u.ID, status); err != nil {
					return cliError(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s.\n", u.Email, status)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "email address")
	_ = cmd.MarkFlagRequired("email")
	return cmd
}
