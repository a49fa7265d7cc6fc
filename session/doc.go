// Package session is kagi's credential engine: profiles from the AWS config, long-term keys and cached
// sessions in the OS keyring, MFA prompts, and the chain long-term key → GetSessionToken with MFA →
// AssumeRole, cached with a refresh window and serialised per source identity with a file lock.
//
// It is the only package that opens the keyring. It never imports the TUI libraries; AWS calls go through
// awsx. The warm path (a cached session printed for credential_process) lives in session/warm, which must
// stay free of heavy dependencies.
package session
