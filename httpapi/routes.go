package httpapi

// routes registers every route of API.md that this server implements.
func (s *Server) routes() {
	e := s.echo
	for _, p := range []string{"/health", "/v1/health"} {
		e.GET(p, s.health)
	}
	e.GET("/health/ready", s.ready)
	e.GET("/health/live", s.live)

	a := e.Group("", s.authenticate)
	a.GET("/metrics", s.metricsHandler)
	a.GET("/v1/capabilities", s.capabilities)
	a.GET("/v1/auth/whoami", s.whoami)

	// Namespaces.
	a.GET("/v1/namespaces", s.listNamespaces)
	a.POST("/v1/namespaces", s.createNamespace)
	a.PUT("/v1/namespaces/:ns", s.putNamespace)
	a.GET("/v1/namespaces/:ns", s.getNamespace)
	a.DELETE("/v1/namespaces/:ns", s.deleteNamespace)
	a.GET("/v1/namespaces/:ns/memory_policy", s.getPolicy)
	a.PUT("/v1/namespaces/:ns/memory_policy", s.putPolicy)
	a.PATCH("/v1/namespaces/:ns/memory_policy", s.putPolicy)
	a.GET("/v1/namespaces/:ns/config", s.getConfig)
	a.PATCH("/v1/namespaces/:ns/config", s.patchConfig)
	a.PUT("/v1/namespaces/:ns/config", s.patchConfig)

	// Memories.
	a.POST("/v1/memory/store", s.storeMemory)
	a.POST("/v1/memories/store/batch", s.storeBatch)
	a.POST("/v1/memory/recall", s.recallMemories)
	a.POST("/v1/memory/search", s.searchMemories)
	a.POST("/v1/memories/recall/batch", s.batchRecall)
	a.GET("/v1/memory/get/:id", s.getMemory)
	a.GET("/v1/memories/:id", s.getMemory)
	a.PUT("/v1/memory/update/:id", s.updateMemory)
	a.POST("/v1/memory/importance", s.setImportance)
	a.POST("/v1/memory/forget", s.forget)
	a.DELETE("/v1/memories/forget/batch", s.forgetBatch)
	a.POST("/v1/memories/forget/batch", s.forgetBatch)
	a.POST("/v1/memories/:id/feedback", s.feedback)
	a.POST("/v1/memory/consolidate", s.consolidate)

	// Sessions and agents.
	a.POST("/v1/sessions/start", s.startSession)
	a.POST("/v1/sessions/:id/end", s.endSession)
	a.GET("/v1/sessions/:id", s.getSession)
	a.GET("/v1/sessions", s.listSessions)
	a.GET("/v1/sessions/:id/memories", s.sessionMemories)
	a.GET("/v1/agents", s.listAgents)
	a.GET("/v1/agents/:id/memories", s.agentMemories)
	a.GET("/v1/agents/:id/stats", s.agentStats)
	a.GET("/v1/agents/:id/wake-up", s.wakeUp)

	a.GET("/v1/namespaces/:ns/export", s.exportNamespace)
	a.POST("/v1/namespaces/:ns/import", s.importNamespace)
	a.POST("/v1/namespaces/:ns/rotate-key", s.rotateNamespaceKey)
	a.GET("/v1/namespaces/:ns/reembed", s.reembedStatus)
	a.GET("/v1/namespaces/:ns/extraction", s.extractionStatus)
	a.GET("/v1/admin/backup", s.backupAll)

	// Namespace documents (docs.go).
	a.POST("/v1/namespaces/:ns/vectors", s.upsertVectors)
	a.POST("/v1/namespaces/:ns/query", s.queryVectors)
	a.POST("/v1/namespaces/:ns/vectors/delete", s.deleteVectors)
	a.POST("/v1/namespaces/:ns/upsert-text", s.upsertText)
	a.POST("/v1/namespaces/:ns/query-text", s.queryText)
	a.POST("/v1/namespaces/:ns/batch-query-text", s.batchQueryText)
	a.POST("/v1/namespaces/:ns/hybrid", s.hybridDocs)
	a.POST("/v1/namespaces/:ns/fulltext/index", s.fulltextIndex)
	a.POST("/v1/namespaces/:ns/fulltext/search", s.fulltextSearch)
	a.POST("/v1/namespaces/:ns/fulltext/delete", s.fulltextDelete)

	// Knowledge graph (graph.go, graph_knowledge.go).
	a.POST("/v1/memories/extract", s.extract)
	a.GET("/v1/memory/entities/:id", s.memoryEntities)
	a.GET("/v1/memories/:id/graph", s.memoryGraph)
	a.GET("/v1/memories/:id/path", s.memoryPath)
	a.POST("/v1/memories/:id/links", s.addLink)
	a.POST("/v1/knowledge/graph", s.knowledgeGraph)
	a.GET("/v1/knowledge/query", s.knowledgeQuery)
	a.GET("/v1/knowledge/path", s.knowledgePath)
	a.GET("/v1/knowledge/export", s.knowledgeExport)
	a.GET("/v1/namespaces/:ns/entities", s.listEntities)
	a.GET("/v1/namespaces/:ns/entities/:id", s.getEntity)
	a.POST("/v1/namespaces/:ns/relations", s.addRelation)
	a.GET("/v1/namespaces/:ns/relations", s.listRelations)
	a.POST("/v1/namespaces/:ns/graph/traverse", s.traverse)

	// Webhooks (webhooks.go).
	a.POST("/v1/namespaces/:ns/webhooks", s.createWebhook)
	a.GET("/v1/namespaces/:ns/webhooks", s.listWebhooks)
	a.DELETE("/v1/namespaces/:ns/webhooks/:id", s.deleteWebhook)
	a.GET("/v1/namespaces/:ns/webhooks/:id/deliveries", s.listDeliveries)
	a.POST("/v1/namespaces/:ns/webhooks/:id/deliveries/:delivery_id/retry", s.retryDelivery)

	s.keyRoutes(a)
}
