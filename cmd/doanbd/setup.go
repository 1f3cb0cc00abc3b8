package main

import "context"

// Setup registers routes and job handlers of every capability. Each
// capability adds itself here.
func (a *App) Setup(ctx context.Context) error {
	if err := a.BuildWeb(); err != nil {
		return err
	}
	return nil
}
