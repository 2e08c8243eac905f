package cliext

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/spf13/pflag"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/grpc"
)

// CommonOptions are the flags every command of the CLI takes (its root's persistent flags).
type CommonOptions struct {
	Env                     string
	EnvFile                 string
	ConfigFile              string
	Profile                 string
	DisableConfigFile       bool
	DisableConfigEnv        bool
	LogLevel                FlagStringEnum
	LogFormat               FlagStringEnum
	Output                  FlagStringEnum
	TimeFormat              FlagStringEnum
	Color                   FlagStringEnum
	NoJsonShorthandPayloads bool
	CommandTimeout          FlagDuration
	ClientConnectTimeout    FlagDuration
}

// BuildFlags registers the common flags on f, with their defaults.
func (o *CommonOptions) BuildFlags(f *pflag.FlagSet) {
	f.StringVar(&o.Env, "env", "default", "Active environment name (`ENV`).")
	f.StringVar(&o.EnvFile, "env-file", "", "Path to environment settings file. Defaults to `$HOME/.config/temporalio/temporal.yaml`.")
	f.StringVar(&o.ConfigFile, "config-file", "", "File path to read TOML config from (default `$HOME/.config/temporalio/temporal.toml`).")
	f.StringVar(&o.Profile, "profile", "", "Profile to use for config file.")
	f.BoolVar(&o.DisableConfigFile, "disable-config-file", false, "Do not load environment config from the config file.")
	f.BoolVar(&o.DisableConfigEnv, "disable-config-env", false, "Do not load environment config from environment variables.")
	o.LogLevel = NewFlagStringEnum([]string{"debug", "info", "warn", "error", "never"}, "info")
	f.Var(&o.LogLevel, "log-level", "Log level (\"warn\" for `server start-dev` unless set). Accepted values: debug, info, warn, error, never.")
	o.LogFormat = NewFlagStringEnum([]string{"text", "json", "pretty"}, "text")
	f.Var(&o.LogFormat, "log-format", "Log format. Accepted values: text, json.")
	o.Output = NewFlagStringEnum([]string{"text", "json", "jsonl", "none"}, "text")
	f.VarP(&o.Output, "output", "o", "Non-logging data output format. Accepted values: text, json, jsonl, none.")
	o.TimeFormat = NewFlagStringEnum([]string{"relative", "iso", "raw"}, "relative")
	f.Var(&o.TimeFormat, "time-format", "Time format. Accepted values: relative, iso, raw.")
	o.Color = NewFlagStringEnum([]string{"always", "never", "auto"}, "auto")
	f.Var(&o.Color, "color", "Output coloring. Accepted values: always, never, auto.")
	f.BoolVar(&o.NoJsonShorthandPayloads, "no-json-shorthand-payloads", false, "Raw payload output, even if the JSON option was used.")
	o.CommandTimeout = 0
	f.Var(&o.CommandTimeout, "command-timeout", "The command execution timeout. 0s means no timeout.")
	o.ClientConnectTimeout = 0
	f.Var(&o.ClientConnectTimeout, "client-connect-timeout", "The client connection timeout. 0s means no timeout.")
}

// NewLogger makes the logger the common options ask for, writing to w ("never": a logger that drops everything).
func NewLogger(o CommonOptions, w io.Writer) (*slog.Logger, error) {
	if o.LogLevel.Value == "never" {
		return slog.New(slog.DiscardHandler), nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.LogLevel.Value)); err != nil {
		return nil, fmt.Errorf("invalid log level %q: %w", o.LogLevel.Value, err)
	}
	switch o.LogFormat.Value {
	case "", "text", "pretty":
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})), nil
	default:
		return nil, fmt.Errorf("invalid log format %q", o.LogFormat.Value)
	}
}

// ClientOptions are the flags of the commands that connect to a Temporal service.
type ClientOptions struct {
	Address                    string
	ClientAuthority            string
	Namespace                  string
	ApiKey                     string
	GrpcMeta                   []string
	Tls                        bool
	TlsCertPath                string
	TlsCertData                string
	TlsKeyPath                 string
	TlsKeyData                 string
	TlsCaPath                  string
	TlsCaData                  string
	TlsDisableHostVerification bool
	TlsServerName              string
	CodecEndpoint              string
	CodecAuth                  string
	CodecHeader                []string
	Identity                   string

	// flags is where BuildFlags registered them: Build tells a value the user gave from a default.
	flags *pflag.FlagSet
}

var clientFlagNames = []string{"address", "client-authority", "namespace", "api-key", "grpc-meta", "tls", "tls-cert-path",
	"tls-cert-data", "tls-key-path", "tls-key-data", "tls-ca-path", "tls-ca-data", "tls-disable-host-verification",
	"tls-server-name", "codec-endpoint", "codec-auth", "codec-header", "identity"}

// BuildFlags registers the connection flags on f.
func (o *ClientOptions) BuildFlags(f *pflag.FlagSet) {
	o.flags = f
	f.StringVar(&o.Address, "address", "localhost:7233", "Temporal Service gRPC endpoint.")
	f.StringVar(&o.ClientAuthority, "client-authority", "", "Temporal gRPC client :authority pseudoheader.")
	f.StringVarP(&o.Namespace, "namespace", "n", "default", "Temporal Service Namespace.")
	f.StringVar(&o.ApiKey, "api-key", "", "API key for request.")
	f.StringArrayVar(&o.GrpcMeta, "grpc-meta", nil, "HTTP headers for requests, as `KEY=VALUE`; repeatable.")
	f.BoolVar(&o.Tls, "tls", false, "Enable TLS (on by default when an API key or another TLS option is given; --tls=false turns it off).")
	f.StringVar(&o.TlsCertPath, "tls-cert-path", "", "Path to x509 certificate.")
	f.StringVar(&o.TlsCertData, "tls-cert-data", "", "Data for x509 certificate.")
	f.StringVar(&o.TlsKeyPath, "tls-key-path", "", "Path to x509 private key.")
	f.StringVar(&o.TlsKeyData, "tls-key-data", "", "Private certificate key data.")
	f.StringVar(&o.TlsCaPath, "tls-ca-path", "", "Path to server CA certificate.")
	f.StringVar(&o.TlsCaData, "tls-ca-data", "", "Data for server CA certificate.")
	f.BoolVar(&o.TlsDisableHostVerification, "tls-disable-host-verification", false, "Disable TLS host-name verification.")
	f.StringVar(&o.TlsServerName, "tls-server-name", "", "Override target TLS server name.")
	f.StringVar(&o.CodecEndpoint, "codec-endpoint", "", "Remote Codec Server endpoint.")
	f.StringVar(&o.CodecAuth, "codec-auth", "", "Authorization header for Codec Server requests.")
	f.StringArrayVar(&o.CodecHeader, "codec-header", nil, "HTTP headers for requests to the codec server, as `KEY=VALUE`; repeatable.")
	f.StringVar(&o.Identity, "identity", "", "The identity of the user or client submitting this request.")
}

// HideFlags keeps the connection flags out of the help of the commands below the one that registered them.
func (o *ClientOptions) HideFlags() {
	if o.flags == nil {
		return
	}
	for _, name := range clientFlagNames {
		_ = o.flags.MarkHidden(name)
	}
}

func (o *ClientOptions) changed(name string) bool {
	if o.flags == nil {
		return false
	}
	flag := o.flags.Lookup(name)
	return flag != nil && flag.Changed
}

// ClientOptionsBuilder makes the SDK's client options from the flags, the environment
// configuration (TOML profile and TEMPORAL_* variables, through the SDK's envconfig) and the
// older TEMPORAL_TLS_* variables, flags taking precedence.
type ClientOptionsBuilder struct {
	CommonOptions CommonOptions
	ClientOptions ClientOptions
	EnvLookup     envconfig.EnvLookup
	Logger        *slog.Logger
}

func (b *ClientOptionsBuilder) Build(ctx context.Context) (client.Options, error) {
	common, flags := b.CommonOptions, b.ClientOptions
	env := b.EnvLookup
	if env == nil {
		env = envconfig.EnvLookupOS
	}
	var profile envconfig.ClientConfigProfile
	if !common.DisableConfigFile || !common.DisableConfigEnv {
		var err error
		profile, err = envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{
			ConfigFilePath:    common.ConfigFile,
			ConfigFileProfile: common.Profile,
			DisableFile:       common.DisableConfigFile,
			DisableEnv:        common.DisableConfigEnv,
			EnvLookup:         env,
		})
		if err != nil {
			return client.Options{}, fmt.Errorf("failed loading client config: %w", err)
		}
	}
	if !common.DisableConfigEnv {
		applyLegacyTLSEnv(&profile, env)
	}

	// Address and namespace have defaults as flags: a profile's value wins over the default, not over the user.
	if flags.changed("address") || profile.Address == "" {
		profile.Address = flags.Address
	}
	if flags.changed("namespace") || profile.Namespace == "" {
		profile.Namespace = flags.Namespace
	}
	if flags.ApiKey != "" {
		profile.APIKey = flags.ApiKey
	}
	if len(flags.GrpcMeta) > 0 {
		meta, err := keyValues(flags.GrpcMeta)
		if err != nil {
			return client.Options{}, fmt.Errorf("invalid gRPC meta: %w", err)
		}
		if profile.GRPCMeta == nil {
			profile.GRPCMeta = map[string]string{}
		}
		for k, v := range meta {
			profile.GRPCMeta[k] = v
		}
	}
	if flags.Tls || flags.TlsCertPath != "" || flags.TlsKeyPath != "" || flags.TlsCaPath != "" ||
		flags.TlsCertData != "" || flags.TlsKeyData != "" || flags.TlsCaData != "" {
		tls := ensureTLS(&profile)
		setIf(&tls.ClientCertPath, flags.TlsCertPath)
		setBytesIf(&tls.ClientCertData, flags.TlsCertData)
		setIf(&tls.ClientKeyPath, flags.TlsKeyPath)
		setBytesIf(&tls.ClientKeyData, flags.TlsKeyData)
		setIf(&tls.ServerCACertPath, flags.TlsCaPath)
		setBytesIf(&tls.ServerCACertData, flags.TlsCaData)
	}
	if flags.TlsServerName != "" {
		ensureTLS(&profile).ServerName = flags.TlsServerName
	}
	if flags.TlsDisableHostVerification {
		ensureTLS(&profile).DisableHostVerification = true
	}
	if flags.changed("tls") && !flags.Tls {
		profile.TLS = &envconfig.ClientConfigTLS{Disabled: true}
	}
	if flags.CodecEndpoint != "" {
		if profile.Codec == nil {
			profile.Codec = &envconfig.ClientConfigCodec{}
		}
		profile.Codec.Endpoint = flags.CodecEndpoint
	}
	if flags.CodecAuth != "" && profile.Codec != nil {
		profile.Codec.Auth = flags.CodecAuth
	}

	options, err := profile.ToClientOptions(envconfig.ToClientOptionsRequest{})
	if err != nil {
		return client.Options{}, fmt.Errorf("failed creating client options: %w", err)
	}
	options.Identity = flags.Identity
	if flags.ClientAuthority != "" {
		options.ConnectionOptions.Authority = flags.ClientAuthority
	}
	if b.Logger != nil {
		options.Logger = sdklog.NewStructuredLogger(b.Logger)
	}
	if timeout := common.ClientConnectTimeout.Duration(); timeout > 0 {
		// The SDK would otherwise apply its own timeout to the first call it makes.
		options.ConnectionOptions.GetSystemInfoTimeout = timeout
	}
	if profile.Codec != nil && profile.Codec.Endpoint != "" {
		headers, err := keyValues(flags.CodecHeader)
		if err != nil {
			return client.Options{}, fmt.Errorf("invalid codec headers: %w", err)
		}
		interceptor, err := remoteCodecInterceptor(options.Namespace, profile.Codec.Endpoint, profile.Codec.Auth, headers)
		if err != nil {
			return client.Options{}, fmt.Errorf("failed creating payload codec interceptor: %w", err)
		}
		options.ConnectionOptions.DialOptions = append(options.ConnectionOptions.DialOptions, grpc.WithChainUnaryInterceptor(interceptor))
	}
	return options, nil
}

// applyLegacyTLSEnv lets the CLI's older TEMPORAL_TLS_CERT, _KEY, _CA (and their _DATA forms) override the profile.
func applyLegacyTLSEnv(profile *envconfig.ClientConfigProfile, env envconfig.EnvLookup) {
	lookup := func(name string) string { v, _ := env.LookupEnv(name); return v }
	paths := map[string]*string{}
	data := map[string]*[]byte{}
	var tls *envconfig.ClientConfigTLS
	for _, name := range []string{"TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY", "TEMPORAL_TLS_CA",
		"TEMPORAL_TLS_CERT_DATA", "TEMPORAL_TLS_KEY_DATA", "TEMPORAL_TLS_CA_DATA"} {
		if lookup(name) != "" {
			tls = ensureTLS(profile)
			break
		}
	}
	if tls == nil {
		return
	}
	paths["TEMPORAL_TLS_CERT"], paths["TEMPORAL_TLS_KEY"], paths["TEMPORAL_TLS_CA"] = &tls.ClientCertPath, &tls.ClientKeyPath, &tls.ServerCACertPath
	data["TEMPORAL_TLS_CERT_DATA"], data["TEMPORAL_TLS_KEY_DATA"], data["TEMPORAL_TLS_CA_DATA"] = &tls.ClientCertData, &tls.ClientKeyData, &tls.ServerCACertData
	for name, target := range paths {
		setIf(target, lookup(name))
	}
	for name, target := range data {
		setBytesIf(target, lookup(name))
	}
}

func ensureTLS(profile *envconfig.ClientConfigProfile) *envconfig.ClientConfigTLS {
	if profile.TLS == nil {
		profile.TLS = &envconfig.ClientConfigTLS{}
	}
	return profile.TLS
}

func setIf(target *string, value string) {
	if value != "" {
		*target = value
	}
}

func setBytesIf(target *[]byte, value string) {
	if value != "" {
		*target = []byte(value)
	}
}

// keyValues splits KEY=VALUE arguments.
func keyValues(pairs []string) (map[string]string, error) {
	result := make(map[string]string, len(pairs))
	for _, pair := range pairs {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("%q is not KEY=VALUE", pair)
		}
		result[key] = value
	}
	return result, nil
}

// remoteCodecInterceptor encodes and decodes payloads through a codec server ({namespace} in its endpoint is replaced).
func remoteCodecInterceptor(namespace, endpoint, auth string, headers map[string]string) (grpc.UnaryClientInterceptor, error) {
	codec := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: strings.ReplaceAll(endpoint, "{namespace}", namespace),
		ModifyRequest: func(req *http.Request) error {
			req.Header.Set("X-Namespace", namespace)
			for name, value := range headers {
				req.Header.Set(name, value)
			}
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			return nil
		},
	})
	return converter.NewPayloadCodecGRPCClientInterceptor(converter.PayloadCodecGRPCClientInterceptorOptions{
		Codecs: []converter.PayloadCodec{codec},
	})
}
