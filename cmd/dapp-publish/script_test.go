package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/dapp-publish/dapp-publish/internal/testpeers"
	"github.com/rogpeppe/go-internal/testscript"
)

// The testscript files in testdata/script run the real dapp-publish binary
// (this test binary re-executed as "dapp-publish", through main: signal
// handling included) end to end. Other tests find it in $PATH too.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dapp-publish": main,
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Peers and their settings pass through to the scripts.
			for _, k := range []string{"DAPP_PUBLISH_IPFS", "DAPP_PUBLISH_NPM", "DAPP_PUBLISH_CLUSTER_SERVICE", "DAPP_PUBLISH_CLUSTER_CTL", "DAPP_PUBLISH_REQUIRE_PEERS"} {
				env.Setenv(k, os.Getenv(k))
			}
			env.Setenv("GITHUB_ACTIONS", "")
			env.Setenv("NO_COLOR", "1")
			env.Setenv("SERVE_PORT", fmt.Sprint(testpeers.FreePort(env.T().(testing.TB))))
			example, err := filepath.Abs("../../templates/example-site")
			if err != nil {
				return err
			}
			env.Setenv("EXAMPLE_SITE", example)
			return setupCorpus(env)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"setenvfile": cmdSetenvFile,
			"httpget":    cmdHTTPGet,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "root" {
				return os.Geteuid() == 0, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
