// TLS: the CA that verifies an amqps:// broker and the optional client certificate (SASL EXTERNAL), from the
// pod contract's HARE_TLS_* files. Verification is never turned off.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	amqp "github.com/rabbitmq/amqp091-go"
)

// withTLS reads the files (at every connect, so a rotated Secret is picked up) into the dial config.
func withTLS(config *amqp.Config, files TLSFiles) error {
	if files.CAFile == "" && files.CertFile == "" {
		return nil // amqps:// verifies against the image's CA bundle
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if files.CAFile != "" {
		pem, err := os.ReadFile(files.CAFile)
		if err != nil {
			return fmt.Errorf("HARE_TLS_CA_FILE: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("HARE_TLS_CA_FILE %s holds no PEM certificate", files.CAFile)
		}
	}
	if files.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
		if err != nil {
			return fmt.Errorf("HARE_TLS_CERT_FILE/HARE_TLS_KEY_FILE: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
		config.SASL = []amqp.Authentication{&amqp.ExternalAuth{}} // the broker takes the user from the certificate
	}
	config.TLSClientConfig = t
	return nil
}
