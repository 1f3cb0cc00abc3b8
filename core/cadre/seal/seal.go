// Package seal encrypts the roster's sensitive personal data at rest (CCCD,
// ethnicity, religion: sensitive data under Vietnam's personal-data rules)
// with AES-256-GCM, and computes a keyed HMAC of the CCCD so duplicates can be
// found and a cadre looked up by exact CCCD without decrypting anything.
//
// Both keys are derived with HKDF-SHA256 from the one configured 32-byte key
// (DOANBD_ENCRYPTION_KEY), so the encryption key and the index key are never
// the same bytes.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// version is the first byte of every sealed value; a future key rotation
// bumps it so old and new values can live side by side.
const version = 1

// Sealer seals and opens field values. It is safe for concurrent use.
type Sealer struct {
	aead   cipher.AEAD
	macKey []byte
}

// New derives the keys from a 32-byte master key.
func New(master []byte) (*Sealer, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("seal: key must be 32 bytes, got %d", len(master))
	}
	encKey, err := hkdf.Key(sha256.New, master, nil, "doanbd roster encryption v1", 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive encryption key: %w", err)
	}
	macKey, err := hkdf.Key(sha256.New, master, nil, "doanbd roster cccd index v1", 32)
	if err != nil {
		return nil, fmt.Errorf("seal: derive index key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Sealer{aead: aead, macKey: macKey}, nil
}

// Seal encrypts plaintext for the field of one record. The field name and
// record id are authenticated with it, so a value copied into another column
// or another record does not open. "" seals to nil (stored as NULL).
func (s *Sealer) Seal(field, recordID, plaintext string) []byte {
	if plaintext == "" {
		return nil
	}
	ns := s.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+s.aead.Overhead())
	out[0] = version
	if _, err := rand.Read(out[1 : 1+ns]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // cannot fail on supported platforms
	}
	return s.aead.Seal(out, out[1:1+ns], []byte(plaintext), aad(field, recordID))
}

// Open decrypts a value sealed by Seal for the same field and record.
func (s *Sealer) Open(field, recordID string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	ns := s.aead.NonceSize()
	if sealed[0] != version || len(sealed) < 1+ns+s.aead.Overhead() {
		return "", errors.New("seal: not a sealed value of this version")
	}
	p, err := s.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], aad(field, recordID))
	if err != nil {
		return "", fmt.Errorf("seal: open %s of %s: %w", field, recordID, err)
	}
	return string(p), nil
}

// Index returns the keyed hash of a CCCD (hex, 32 chars), or "" for "". The
// same CCCD always gives the same index under the same key.
func (s *Sealer) Index(cccd string) string {
	if cccd == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.macKey)
	m.Write([]byte(cccd))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func aad(field, recordID string) []byte { return []byte(field + "\x00" + recordID) }
