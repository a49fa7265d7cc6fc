package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"
)

// newDemoCodeCmd prints the current MFA code of a device on a `kagi demo serve` endpoint: the demo's
// virtual authenticator, for newcomers without a phone. It works only against the embedded endpoint.
func newDemoCodeCmd(a *app) *cobra.Command {
	var serial string
	cmd := &cobra.Command{
		Use:   "code",
		Short: "Print the current MFA code of a demo device (demo only: a virtual authenticator)",
		Long: `Print the current 6-digit code of a virtual MFA device on a 'kagi demo serve' endpoint
(--endpoint-url or AWS_ENDPOINT_URL). Without --serial, the newest device. This works only with kagi's
demo endpoint: real AWS never reveals an MFA seed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			endpoint := a.settings.EndpointURL
			if endpoint == "" {
				endpoint = a.env("AWS_ENDPOINT_URL")
			}
			if endpoint == "" {
				return usagef("give the demo endpoint with --endpoint-url (the endpoint_url that 'kagi demo serve' printed)")
			}
			u := strings.TrimRight(endpoint, "/") + "/_localaws/mfa-code"
			if serial != "" {
				u += "?serial=" + url.QueryEscape(serial)
			}
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, u, nil)
			if err != nil {
				return usagef("--endpoint-url %q is not a URL", endpoint)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("could not reach the demo endpoint %s; is 'kagi demo serve' running?", endpoint)
			}
			defer resp.Body.Close()
			if resp.StatusCode == http.StatusNotFound {
				return fmt.Errorf("the demo endpoint has no such MFA device yet; register one first (kagi mfa register)")
			}
			var out struct {
				Code        string `json:"code"`
				SecondsLeft int    `json:"seconds_left"`
			}
			if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Code == "" {
				return fmt.Errorf("%s is not a kagi demo endpoint", endpoint)
			}
			fmt.Fprintf(a.stderr, "demo authenticator: valid for %ds more\n", out.SecondsLeft)
			_, err = fmt.Fprintln(a.stdout, out.Code)
			return err
		},
	}
	cmd.Flags().StringVar(&serial, "serial", "", "MFA device serial (ARN); default: the newest device")
	return cmd
}
