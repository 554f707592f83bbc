package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// KoladaProbe is one run of `nyckeltal kolada probe`: how Kolada answered
// where public evidence does not say how it does (docs/KOLADA-API.md).
type KoladaProbe struct {
	ID          int64           `json:"probe_id,omitempty"`
	BaseURL     string          `json:"base_url"`
	ProbedAt    time.Time       `json:"probed_at"`
	Requests    int64           `json:"requests"`
	Trigger     string          `json:"trigger"`
	ToolVersion string          `json:"tool_version,omitempty"`
	Findings    []KoladaFinding `json:"findings"`
}

// KoladaFinding is what the probe found about one behaviour.
type KoladaFinding struct {
	Behaviour string `json:"behaviour"`
	Answer    string `json:"answer"`
	Status    int    `json:"status,omitempty"`
	URL       string `json:"url,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// Answer is the probe's answer about behaviour, "" when it has none.
func (p *KoladaProbe) Answer(behaviour string) string {
	if p == nil {
		return ""
	}
	for _, f := range p.Findings {
		if f.Behaviour == behaviour {
			return f.Answer
		}
	}
	return ""
}

// SaveKoladaProbe stores a probe and its findings in one transaction and
// sets p.ID.
func (s *Store) SaveKoladaProbe(ctx context.Context, p *KoladaProbe) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing the Kolada probe: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, query("InsertKoladaProbe"), p.BaseURL, p.ProbedAt, p.Requests, p.Trigger,
		nullString(p.ToolVersion)).Scan(&p.ID); err != nil {
		return fmt.Errorf("storing the Kolada probe: %w", err)
	}
	for _, f := range p.Findings {
		var status any
		if f.Status != 0 {
			status = f.Status
		}
		if _, err := tx.ExecContext(ctx, query("InsertKoladaProbeFinding"), p.ID, f.Behaviour, f.Answer, status,
			nullString(f.URL), nullString(f.Detail)); err != nil {
			return fmt.Errorf("storing the Kolada probe's finding %s: %w", f.Behaviour, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("storing the Kolada probe: %w", err)
	}
	return nil
}

// LatestKoladaProbe is the newest probe of baseURL, or nil.
func (s *Store) LatestKoladaProbe(ctx context.Context, baseURL string) (*KoladaProbe, error) {
	var p KoladaProbe
	err := s.db.QueryRowContext(ctx, query("LatestKoladaProbe"), baseURL).
		Scan(&p.ID, &p.BaseURL, &p.ProbedAt, &p.Requests, &p.Trigger, &p.ToolVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the latest Kolada probe: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, query("KoladaProbeFindings"), p.ID)
	if err != nil {
		return nil, fmt.Errorf("reading the latest Kolada probe: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f KoladaFinding
		if err := rows.Scan(&f.Behaviour, &f.Answer, &f.Status, &f.URL, &f.Detail); err != nil {
			return nil, fmt.Errorf("reading the latest Kolada probe: %w", err)
		}
		p.Findings = append(p.Findings, f)
	}
	return &p, rows.Err()
}
