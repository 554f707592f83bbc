package store

import "time"

// KPI is a Kolada key figure's metadata (all v3 fields; Raw keeps the record
// as received so that fields not modelled here are not lost).
type KPI struct {
	ID                  string
	Title               string
	Description         string
	OperatingArea       string
	MunicipalityType    string
	IsDividedByGender   bool
	HasOUData           bool
	Auspice             string
	Perspective         string
	PublicationDate     *time.Time
	PrelPublicationDate *time.Time
	PublPeriod          string
	Raw                 string
}

// Municipality is a kommun, a region, or Riket.
type Municipality struct {
	ID    string
	Title string
	Type  string
}

// GroupMember is one municipality of a group.
type GroupMember struct {
	ID    string
	Title string
}

// Group is a Kolada municipality group, such as a "Liknande kommuner" peer group.
type Group struct {
	ID      string
	Title   string
	Members []GroupMember
}

// OU is a Kolada organisational unit (a school, a care home).
type OU struct {
	ID             string
	MunicipalityID string
	Title          string
}
