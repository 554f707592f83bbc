package personnummer

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// ErrNoKey means personal data was to be loaded without a pseudonym key.
// There is deliberately no fallback to a plain hash: a personnummer has so
// few possible values that an unkeyed hash is reversed in minutes.
var ErrNoKey = errors.New("no pseudonym key")

// KeyEnv names the environment variable that points at the key file.
const KeyEnv = "NYCKELTAL_PSEUDONYM_KEY_FILE"

// MinKeyBytes is the shortest key accepted.
const MinKeyBytes = 32

// Key is the secret of the pseudonyms. It lives in a file outside the
// database; whoever holds the key and a personnummer can find the person's
// rows, nobody else can.
type Key struct {
	secret []byte
	id     string
	// Warning is set when the key file is readable by others than its owner.
	Warning string
}

// LoadKey reads the key file at path (its content, without a final line
// break, at least 32 bytes: `openssl rand -base64 32 > FILE` makes one).
func LoadKey(path string) (*Key, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: set %s (or local.pseudonym_key_file) to a key file kept outside the database", ErrNoKey, KeyEnv)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading key file: %v", ErrNoKey, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading key file: %v", ErrNoKey, err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) < MinKeyBytes {
		return nil, fmt.Errorf("%w: key file %s holds %d bytes; it needs at least %d (make one with `openssl rand -base64 32`)",
			ErrNoKey, path, len(b), MinKeyBytes)
	}
	k := NewKey(b)
	if fi.Mode().Perm()&0o077 != 0 {
		k.Warning = fmt.Sprintf("key file %s can be read by others than its owner (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	return k, nil
}

// NewKey makes a key from secret bytes (tests; LoadKey for real use).
func NewKey(secret []byte) *Key {
	k := &Key{secret: append([]byte(nil), secret...)}
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("nyckeltal key id"))
	k.id = hex.EncodeToString(m.Sum(nil))[:12]
	return k
}

// ID identifies the key without revealing it, so that pseudonyms made with
// different keys (which cannot be compared) are told apart.
func (k *Key) ID() string { return k.id }

// Pseudonym is the keyed HMAC-SHA-256 of the normalised 12-digit number, as
// 128 bits in hex. The same person gets the same pseudonym in every file
// under the same key.
func (k *Key) Pseudonym(n Number) string {
	m := hmac.New(sha256.New, k.secret)
	m.Write([]byte("nyckeltal/personnummer/v1:"))
	m.Write([]byte(n.digits))
	return hex.EncodeToString(m.Sum(nil))[:32]
}
