package main

import (
	"context"
	"io"
)

// Setup registers routes and job handlers of every capability. Each
// capability adds one call here (its wiring lives in wire_<capability>.go).
func (a *App) Setup(ctx context.Context) error {
	if err := a.BuildWeb(); err != nil {
		return err
	}
	if err := a.setupTenants(ctx); err != nil {
		return err
	}
	if err := a.setupAuthz(ctx); err != nil {
		return err
	}
	if err := a.setupPlugins(ctx); err != nil {
		return err
	}
	if err := a.setupWorkflows(ctx); err != nil {
		return err
	}
	if err := a.setupPlans(ctx); err != nil {
		return err
	}
	if err := a.setupRoster(ctx); err != nil {
		return err
	}
	if err := a.setupUI(ctx); err != nil {
		return err
	}
	// Last: the OpenAPI document describes every route registered above.
	if err := a.Web.ServeOpenAPI(version); err != nil {
		return err
	}
	return nil
}

// SeedOptions are the flags of `doanbd seed`.
type SeedOptions struct {
	Demo bool
	Out  io.Writer
}

// seedStep loads one kind of reference or demo data. Every step is
// idempotent: seeding twice changes nothing.
type seedStep struct {
	Name string
	Run  func(ctx context.Context, a *App, o SeedOptions) error
}

// seedSteps lists the steps in order. Each capability appends its own.
func (a *App) seedSteps() []seedStep {
	return []seedStep{
		{Name: "tenants", Run: seedTenants},
		{Name: "programs", Run: seedPrograms},
		{Name: "demo-users", Run: seedDemoUsers},
		{Name: "plugins", Run: seedPlugins},
		{Name: "roster", Run: seedRoster},
		{Name: "enrolments", Run: seedDemoEnrolments},
	}
}
