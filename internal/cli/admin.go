package cli

import (
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	nyckeltal "github.com/nyckeltal/nyckeltal"
	"github.com/nyckeltal/nyckeltal/internal/store"
)

func newMigrateCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create the store, or upgrade it to this version's schema",
		Long: `Create the store, or upgrade it to the schema of this nyckeltal. Every
writing command does this by itself; run it explicitly after installing a newer
nyckeltal so that read-only commands and analysts see the new views at once.
Each migration runs in its own transaction. An older nyckeltal refuses a store
written by a newer one rather than damage it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.withWriter(cmd.Context(), func(st *store.Store) error {
				v, err := st.SchemaVersion(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(e.app.Stdout, "Store %s is at schema version %d (this nyckeltal: %d)\n", st.Path(), v, store.LatestSchemaVersion())
				return nil
			})
		},
	}
}

func newConfigCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Print the example configuration, or the one in effect"}
	cmd.AddCommand(&cobra.Command{
		Use:     "example",
		Short:   "Print the commented example configuration (the built-in defaults)",
		Example: `  nyckeltal config example > nyckeltal.toml`,
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(e.app.Stdout, nyckeltal.ExampleConfig)
			return err
		},
	}, &cobra.Command{
		Use:   "show",
		Short: "Print the configuration in effect, after the file and the environment",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			c, err := e.config()
			if err != nil {
				return err
			}
			if c.File != "" {
				fmt.Fprintf(e.app.Stdout, "# from %s\n", c.File)
			} else {
				fmt.Fprintln(e.app.Stdout, "# built-in defaults (no configuration file)")
			}
			return toml.NewEncoder(e.app.Stdout).Encode(c)
		},
	})
	return cmd
}
