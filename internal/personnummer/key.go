package personnummer

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
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
	// Warning is set when a key file readable by others was accepted
	// (KeyOptions.AllowReadable).
	Warning string
}

// ErrBadKey means the key file exists but is not fit to protect personal
// data: too short, too uniform, or readable by others.
var ErrBadKey = errors.New("pseudonym key refused")

// ErrKeyExists means `key generate` was asked to write over a file.
var ErrKeyExists = errors.New("key file exists")

// KeyOptions say what LoadKey accepts.
type KeyOptions struct {
	// AllowReadable accepts a key file that others than its owner may read
	// or write, with a Warning (--allow-readable-key).
	AllowReadable bool
}

// LoadKey reads the key file at path: its content, without a final line
// break, at least 32 bytes of some variety (`nyckeltal key generate FILE`
// makes one), in a file only its owner can read (mode 600).
func LoadKey(path string, opts KeyOptions) (*Key, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: set %s (or local.pseudonym_key_file) to a key file kept outside the database", ErrNoKey, KeyEnv)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading key file: %w", ErrNoKey, err)
	}
	warning := ""
	if perm := fi.Mode().Perm(); ownerOnlyModes && perm&0o077 != 0 {
		msg := fmt.Sprintf("key file %s can be read or written by others than its owner (mode %v)", path, perm)
		if !opts.AllowReadable {
			return nil, fmt.Errorf("%w: %s; `chmod 600 %s`, or accept it once with --allow-readable-key", ErrBadKey, msg, path)
		}
		warning = msg + "; accepted because of --allow-readable-key: chmod 600 it"
	}
	b, err := readKey(path)
	if err != nil {
		return nil, err
	}
	k := NewKey(b)
	k.Warning = warning
	return k, nil
}

func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: reading key file: %w", ErrNoKey, err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if err := CheckSecret(b); err != nil {
		return nil, fmt.Errorf("%w: key file %s %w; make a good one with `nyckeltal key generate FILE`", ErrBadKey, path, err)
	}
	return b, nil
}

// minKeyVariety is the fewest different bytes a key may have.
const minKeyVariety = 8

// CheckSecret refuses a key that is too short or too uniform to be a
// secret: fewer than MinKeyBytes bytes, only whitespace, fewer than eight
// different bytes, one byte making up more than a quarter of it, or a
// shorter piece repeated ("abcabcabc…"). It says what is wrong, never the key.
func CheckSecret(b []byte) error {
	if len(b) < MinKeyBytes {
		return fmt.Errorf("holds %d bytes; it needs at least %d", len(b), MinKeyBytes)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return errors.New("holds only whitespace")
	}
	var counts [256]int
	distinct, most := 0, 0
	for _, c := range b {
		if counts[c] == 0 {
			distinct++
		}
		counts[c]++
		most = max(most, counts[c])
	}
	if distinct < minKeyVariety {
		return fmt.Errorf("has only %d different characters; it needs at least %d", distinct, minKeyVariety)
	}
	if most*4 > len(b) {
		return errors.New("repeats one character too often (more than a quarter of the key)")
	}
	for p := 1; p <= len(b)/2; p++ {
		if bytes.Equal(b[p:], b[:len(b)-p]) {
			return fmt.Errorf("repeats a piece of %d characters", p)
		}
	}
	return nil
}

// GenerateKey writes a new key to path: 32 random bytes in base64, mode
// 600, in a directory created 700 when missing. It never writes over an
// existing file (ErrKeyExists): the pseudonyms of every earlier load depend on
// the key there.
func GenerateKey(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return fmt.Errorf("creating %s: %w", dir, err)
			}
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("generating a key: %w", err)
	}
	text := []byte(base64.StdEncoding.EncodeToString(secret) + "\n")
	if err := CheckSecret(bytes.TrimRight(text, "\n")); err != nil {
		return fmt.Errorf("generating a key: %w", err) // cannot happen but for a broken random source
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s; a key is never overwritten (the pseudonyms of earlier loads depend on it): "+
			"choose another name, or remove the old key yourself", ErrKeyExists, path)
	}
	if err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	// The umask may have taken bits away; the key is exactly 600.
	if err := errors.Join(f.Chmod(0o600), write(f, text), f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path) // a half-written key must not stay; the error above is the one to report
		return fmt.Errorf("writing the key: %w", err)
	}
	return nil
}

func write(f *os.File, b []byte) error {
	_, err := f.Write(b)
	return err
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
	m.Write([]byte(pseudonymPrefix))
	m.Write([]byte(n.digits))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

const pseudonymPrefix = "nyckeltal/personnummer/v1:"

// Pseudonyms makes the pseudonyms of one key as 16 raw bytes, reusing its
// HMAC state: for a reader of millions of rows. Not safe for concurrent use.
type Pseudonyms struct {
	m   hash.Hash
	in  []byte
	sum []byte
}

// Pseudonyms prepares the pseudonyms of k.
func (k *Key) Pseudonyms() *Pseudonyms {
	return &Pseudonyms{m: hmac.New(sha256.New, k.secret)}
}

// Of is Key.Pseudonym of n as bytes: PseudonymHex(p.Of(n)) == k.Pseudonym(n).
func (p *Pseudonyms) Of(n Number) (out [16]byte) {
	p.m.Reset()
	p.in = append(append(p.in[:0], pseudonymPrefix...), n.digits...)
	p.m.Write(p.in)
	p.sum = p.m.Sum(p.sum[:0])
	copy(out[:], p.sum)
	return out
}

// PseudonymHex is a pseudonym of Pseudonyms.Of as Key.Pseudonym writes it.
func PseudonymHex(b [16]byte) string { return hex.EncodeToString(b[:]) }
