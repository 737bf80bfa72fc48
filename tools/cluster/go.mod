module github.com/dapp-publish/dapp-publish/tools/cluster

go 1.26
