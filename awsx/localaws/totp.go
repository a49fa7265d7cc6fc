package localaws

import (
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP per RFC 6238 as AWS virtual MFA devices use it: SHA-1, 6 digits, 30-second steps.
var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

const totpPeriod = 30

func stepOf(t time.Time) int64 { return t.Unix() / totpPeriod }

// codeAt returns the device code for a time step.
func codeAt(secret string, step int64) string {
	code, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0).UTC(), totpOpts)
	if err != nil {
		return "" // an undecodable seed matches no code
	}
	return code
}

// CodeAt returns the TOTP code a virtual MFA device with this base32 seed shows at t.
// Tests and the demo's virtual authenticator use it.
func CodeAt(secret string, t time.Time) string { return codeAt(secret, stepOf(t)) }

// matchStep finds the step in [center-skew, center+skew] whose code is code; ok is false if none.
func matchStep(secret, code string, center, skew int64) (int64, bool) {
	if !isSixDigits(code) {
		return 0, false
	}
	for d := int64(0); d <= skew; d++ {
		for _, step := range []int64{center - d, center + d} {
			if codeAt(secret, step) == code {
				return step, true
			}
			if d == 0 {
				break
			}
		}
	}
	return 0, false
}

func isSixDigits(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// verifyCode checks one code for an enabled device: ±1 step of skew around the device's clock, and
// single use — a step at or below the last accepted one is spent, as AWS rejects a code used in its window.
func (d *mfaDevice) verifyCode(code string, now time.Time) (used, ok bool) {
	step, ok := matchStep(d.secret, code, stepOf(now)+d.drift, 1)
	if !ok {
		return false, false
	}
	if step <= d.lastStep {
		return true, false
	}
	d.lastStep = step
	return false, true
}

// verifyPair checks two consecutive codes (EnableMFADevice, ResyncMFADevice): code1 at step n, code2 at n+1,
// with n+1 within window steps of the device's clock. On success the device's clock follows the codes.
func (d *mfaDevice) verifyPair(code1, code2 string, now time.Time, window int64) bool {
	if !isSixDigits(code1) || !isSixDigits(code2) {
		return false
	}
	center := stepOf(now) + d.drift
	for off := int64(0); off <= window; off++ {
		for _, second := range []int64{center - off, center + off} {
			if second-1 > d.lastStep && codeAt(d.secret, second-1) == code1 && codeAt(d.secret, second) == code2 {
				d.lastStep = second
				d.drift = second - stepOf(now)
				if d.drift >= -1 && d.drift <= 1 {
					d.drift = 0 // within normal skew: no correction needed
				}
				return true
			}
			if off == 0 {
				break
			}
		}
	}
	return false
}
