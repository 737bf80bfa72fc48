package kubo

import (
	"net"
	"net/http"
	"time"
)

// defaultClient is used when the config brings none. Large write buffers
// matter for dag/import of a few hundred MiB: the default 4 KiB costs a
// system call per 4 KiB.
var defaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	ForceAttemptHTTP2:     true,
	MaxIdleConns:          16,
	IdleConnTimeout:       90 * time.Second,
	TLSHandshakeTimeout:   10 * time.Second,
	ExpectContinueTimeout: time.Second,
	WriteBufferSize:       256 << 10,
	ReadBufferSize:        64 << 10,
}}
