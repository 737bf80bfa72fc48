package pin

import (
	"fmt"
	"sort"
)

// Factory builds a provider from its configuration. It validates cfg and
// returns an error naming the bad field; it does not contact the holder.
type Factory func(cfg Config) (Provider, error)

// Registry maps provider types to factories. It is filled explicitly (see
// pin/all), never by init() side effects, so the list of providers is one
// readable place.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]Factory{}} }

// Register adds a provider type. Registering a type twice is a programming
// error and panics.
func (r *Registry) Register(typ string, f Factory) {
	if _, dup := r.factories[typ]; dup {
		panic(fmt.Sprintf("pin: provider type %q registered twice", typ))
	}
	r.factories[typ] = f
}

// Types lists the registered types, sorted.
func (r *Registry) Types() []string {
	types := make([]string, 0, len(r.factories))
	for t := range r.factories {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// Has reports whether typ is registered.
func (r *Registry) Has(typ string) bool { _, ok := r.factories[typ]; return ok }

// New builds the provider cfg describes.
func (r *Registry) New(cfg Config) (Provider, error) {
	f, ok := r.factories[cfg.Type]
	if !ok {
		return nil, fmt.Errorf("unknown provider type %q (known: %v)", cfg.Type, r.Types())
	}
	p, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("provider %q (%s): %w", cfg.Name, cfg.Type, err)
	}
	return p, nil
}
