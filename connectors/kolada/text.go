package kolada

import "github.com/nyckeltal/nyckeltal/internal/mojibake"

// RepairText undoes double UTF-8 encoding, which Kolada has been seen to send
// in group titles ("HÃ¶Ã¶r" for "Höör"); see mojibake.Repair.
func RepairText(s string) string { return mojibake.Repair(s) }
