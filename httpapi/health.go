package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

func (s *Server) uptime() int64 { return int64(time.Since(s.started).Seconds()) }

func (s *Server) health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"status": "healthy", "service": "engram", "version": Version, "uptime_seconds": s.uptime()})
}

func (s *Server) live(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"alive": true, "version": Version, "uptime_seconds": s.uptime()})
}

func (s *Server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ready(ctx); err != nil {
		c.Response().Header().Set("Retry-After", "5")
		return c.JSON(http.StatusServiceUnavailable, map[string]any{"ready": false, "version": Version,
			"checks": map[string]any{"storage": map[string]string{"status": "unavailable"}}})
	}
	return c.JSON(http.StatusOK, map[string]any{"ready": true, "version": Version,
		"checks": map[string]any{"storage": map[string]string{"status": "ok"}}})
}

func (s *Server) capabilities(c echo.Context) error {
	emb := s.store.Embedder()
	return c.JSON(http.StatusOK, map[string]any{
		"version":  Version,
		"service":  "engram",
		"embedder": map[string]any{"id": emb.ID(), "dimension": emb.Dimension()},
		"limits": map[string]any{
			"max_content_bytes": 100_000,
			"max_batch_items":   1000,
			"max_body_bytes":    s.opts.MaxBodyBytes,
			"default_rate_limit": map[string]any{
				"requests_per_second": s.opts.DefaultRateLimit.Rate, "burst": s.opts.DefaultRateLimit.Burst},
		},
		"features": map[string]bool{
			"namespaces": true, "encryption_at_rest": true, "hybrid_recall": true, "decay": true,
			"sessions": true, "scoped_api_keys": true, "rate_limits": true,
		},
		"distances":    []string{"cosine", "euclidean", "dot_product"},
		"memory_types": []string{"episodic", "semantic", "procedural", "working"},
	})
}
