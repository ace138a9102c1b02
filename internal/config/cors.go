package config

import (
	"strings"

	"github.com/bulwark-gw/bulwark/internal/cors"
)

// Cross-origin resource sharing of an API or route. Docs: docs/cors.md.
// The guard's options type is cors.Options; this is only its YAML form.
type corsConfig struct {
	AllowOrigins     []string  `yaml:"allow_origins"`
	AllowMethods     []string  `yaml:"allow_methods"`
	AllowHeaders     []string  `yaml:"allow_headers"`
	ExposeHeaders    []string  `yaml:"expose_headers"`
	AllowCredentials *bool     `yaml:"allow_credentials"`
	MaxAge           *Duration `yaml:"max_age"`
	PassRefused      *bool     `yaml:"pass_refused"`
}

// buildCORS returns the route's CORS options — the route's own section, which
// replaces its API's whole, else the API's — or nil when neither sets one.
// Every problem the guard would refuse at build time is reported here, at the
// section's position.
func (d *decoder) buildCORS(api, route *corsConfig, apiPath, routePath string) *cors.Options {
	c, path := route, routePath
	if c == nil {
		c, path = api, apiPath
	}
	if c == nil {
		return nil
	}
	o := &cors.Options{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
		ExposeHeaders: c.ExposeHeaders, AllowCredentials: orDefault(c.AllowCredentials, false),
		MaxAge: durationOr(c.MaxAge, 0), PassRefused: orDefault(c.PassRefused, false)}
	if _, err := cors.New(*o); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			field, msg, _ := strings.Cut(line, ": ")
			d.errorf(path+"."+field, "%s", msg)
		}
	}
	return o
}
