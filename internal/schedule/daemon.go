package schedule

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
)

// Triggers passed to Daemon.Run.
const (
	TriggerSchedule = "schedule"
	TriggerCatchUp  = "catch-up"
)

// Entry is one scheduled job.
type Entry struct {
	Name     string
	Schedule *Schedule
}

// Daemon runs entries on their schedules, one at a time.
type Daemon struct {
	Entries []Entry
	// Run runs one firing of the entry named name. It must return soon after
	// ctx is cancelled, leaving nothing half-written.
	Run func(ctx context.Context, name, trigger string) error
	// LastSuccess returns when name last succeeded; ok is false when never.
	LastSuccess func(ctx context.Context, name string) (t time.Time, ok bool, err error)
	// Retry tells whether a failed firing should be tried again after
	// RetryEvery (the store was busy with another writer), up to RetryFor.
	Retry      func(error) bool
	RetryEvery time.Duration
	RetryFor   time.Duration
	// StopTimeout bounds the wait for the running job after a stop.
	StopTimeout time.Duration
	Now         func() time.Time
	Log         zerolog.Logger

	// one is held by the firing that runs: firings queue rather than race
	// for the write lock.
	one sync.Mutex
}

// ErrStopTimeout means the running job did not end within StopTimeout.
var ErrStopTimeout = errors.New("the running job did not stop in time")

// firing is an entry's cron job. robfig/cron wraps it with Recover and
// SkipIfStillRunning.
type firing struct {
	d       *Daemon
	name    string
	ctx     context.Context
	catchUp atomic.Bool
	runs    atomic.Int64
}

func (f *firing) Run() {
	trigger := TriggerSchedule
	if f.catchUp.Swap(false) {
		trigger = TriggerCatchUp
	}
	f.d.one.Lock()
	defer f.d.one.Unlock()
	f.runs.Add(1)
	deadline := f.d.now().Add(f.d.RetryFor)
	for attempt := 1; ; attempt++ {
		if f.ctx.Err() != nil {
			return
		}
		err := f.d.Run(f.ctx, f.name, trigger)
		if err == nil || f.d.Retry == nil || !f.d.Retry(err) || f.d.now().Add(f.d.RetryEvery).After(deadline) {
			return
		}
		f.d.Log.Warn().Err(err).Str("job", f.name).Int("attempt", attempt).
			Dur("retry_in", f.d.RetryEvery).Msg("store busy; trying again")
		select {
		case <-f.ctx.Done():
			return
		case <-time.After(f.d.RetryEvery):
		}
	}
}

func (d *Daemon) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// prepared is the cron instance and each entry's wrapped job.
type prepared struct {
	cron    *cron.Cron
	wrapped map[string]cron.Job
	firings map[string]*firing
}

func (d *Daemon) prepare(jobCtx context.Context) *prepared {
	c := cron.New(cron.WithLogger(cronLogger{d.Log}))
	p := &prepared{cron: c, wrapped: map[string]cron.Job{}, firings: map[string]*firing{}}
	for _, e := range d.Entries {
		f := &firing{d: d, name: e.Name, ctx: jobCtx}
		logger := cronLogger{d.Log.With().Str("job", e.Name).Logger()}
		// SkipIfStillRunning outside Recover: a panic is caught inside, so the
		// skip guard is always released. robfig adds no Recover by itself.
		wrapped := cron.NewChain(cron.SkipIfStillRunning(logger), cron.Recover(logger)).Then(f)
		c.Schedule(e.Schedule, wrapped)
		p.wrapped[e.Name] = wrapped
		p.firings[e.Name] = f
	}
	return p
}

// Due returns the entries whose last success is older than their schedule
// allows at now (or that never succeeded): the catch-up after downtime.
func (d *Daemon) Due(ctx context.Context, now time.Time) ([]string, error) {
	var due []string
	for _, e := range d.Entries {
		last, ok, err := d.LastSuccess(ctx, e.Name)
		if err != nil {
			return nil, err
		}
		if !ok || e.Schedule.Missed(last, now) {
			due = append(due, e.Name)
		}
	}
	return due, nil
}

// Serve runs until ctx is cancelled (SIGTERM, SIGINT): then it takes no new
// firing, cancels the running one and waits for it up to StopTimeout. It
// returns nil after a clean stop.
func (d *Daemon) Serve(ctx context.Context) error {
	if len(d.Entries) == 0 {
		return errors.New("nothing to schedule: every job is switched off in [schedule.jobs]")
	}
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	p := d.prepare(jobCtx)
	due, err := d.Due(ctx, d.now())
	if err != nil {
		d.Log.Warn().Err(err).Msg("could not read the last successful runs; no catch-up")
	}
	p.cron.Start()
	for _, e := range d.Entries {
		ev := d.Log.Info().Str("job", e.Name).Str("spec", e.Schedule.Spec).
			Time("next", e.Schedule.Next(d.now()).In(e.Schedule.Location))
		ev.Msg("scheduled")
	}
	// Catch-ups run in the order of the entries, one after the other; a
	// scheduled firing meanwhile waits its turn.
	var catchUps sync.WaitGroup
	catchUps.Add(1)
	go func() {
		defer catchUps.Done()
		for _, name := range due {
			if jobCtx.Err() != nil {
				return
			}
			d.Log.Info().Str("job", name).Msg("catching up: its last success is older than its schedule allows")
			p.firings[name].catchUp.Store(true)
			p.wrapped[name].Run()
		}
	}()
	<-ctx.Done()
	d.Log.Info().Msg("stopping: no new jobs; cancelling the running one")
	stopped := p.cron.Stop()
	cancelJobs()
	idle := make(chan struct{})
	go func() {
		<-stopped.Done()
		catchUps.Wait()
		// Taking the lock waits for the firing that holds it: every firing
		// has returned or will return at once.
		d.one.Lock()
		//lint:ignore SA2001 the lock is taken only to wait for its holder
		d.one.Unlock()
		close(idle)
	}()
	timeout := d.StopTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	select {
	case <-idle:
		d.Log.Info().Msg("stopped")
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%w (waited %s); its unpublished work is discarded and the store is as it was", ErrStopTimeout, timeout)
	}
}

// cronLogger sends robfig/cron's logging to zerolog: skips and panics are
// worth a line, its routine chatter is debug.
type cronLogger struct{ l zerolog.Logger }

func (c cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		c.l.Warn().Msg("a scheduled run was skipped: the previous run of the job is still going")
		return
	}
	c.l.Debug().Fields(kv).Msg("cron " + msg)
}

func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error().Err(err).Fields(kv).Msg("cron " + msg)
}
