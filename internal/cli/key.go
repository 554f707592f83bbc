package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nyckeltal/nyckeltal/internal/personnummer"
)

func newKeyCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "The pseudonym key of the personnummer in Treserva extracts"}
	cmd.AddCommand(&cobra.Command{
		Use:   "generate FILE",
		Short: "Write a new pseudonym key to FILE (mode 600; never over an existing file)",
		Long: `Write a new pseudonym key: 32 random bytes in base64, in FILE with mode 600
(only its owner can read it), in a directory created with mode 700 when
missing. An existing FILE is never replaced: the pseudonyms of every earlier
load depend on the key in it.

Point NYCKELTAL_PSEUDONYM_KEY_FILE (or local.pseudonym_key_file) at the file,
keep it outside the store's directory and out of reach of the analysts, and
keep a copy where the municipality keeps its secrets: without the key, new
loads cannot be linked to earlier ones. docs/SECURITY.md says what the key
protects and what it does not.`,
		Example: `  nyckeltal key generate /etc/nyckeltal/pseudonym.key
  export NYCKELTAL_PSEUDONYM_KEY_FILE=/etc/nyckeltal/pseudonym.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return runKeyGenerate(args[0], f)
		},
	})
	return cmd
}

func runKeyGenerate(path string, f *factory) error {
	if err := f.app.GenerateKey(path); err != nil {
		return err
	}
	fmt.Fprintf(f.stdout, "Skrev en ny pseudonymnyckel till %s (läge 600: bara ägaren kan läsa den).\nSätt %s=%s (eller local.pseudonym_key_file) och spara en kopia på ett säkert ställe.\n",
		path, personnummer.KeyEnv, path)
	return nil
}
