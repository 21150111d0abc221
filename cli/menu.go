package cli

import (
	"context"
	"fmt"

	"github.com/zwgk-bot/zwgk/bot"
	"github.com/zwgk-bot/zwgk/config"
	"github.com/zwgk-bot/zwgk/router"
	"github.com/zwgk-bot/zwgk/storage"
)

func cmdMenu(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 || args[0] != "sync" {
		return fmt.Errorf("usage: zwgk menu sync")
	}
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return err
	}
	rdb, err := storage.OpenRedis(ctx, cfg.RedisURL, cfg.RedisPrefix)
	if err != nil {
		return err
	}
	defer rdb.Close()
	hc, err := bot.NewHTTPClient(map[string]string{bot.WeComHost: cfg.APIBase})
	if err != nil {
		return err
	}
	c := bot.NewClient(cfg.CorpID, cfg.AgentID, cfg.Secret, hc, rdb, e.log)
	if err := c.CreateMenu(ctx, router.AppMenu(cfg.PublicURL)); err != nil {
		return fmt.Errorf("menu sync: %w", err)
	}
	fmt.Fprintln(e.stdout, "menu created: 公开申请 / 我的待办 / 更多 (办公桌, 登记12345, 登记申请, 查询, 帮助)")
	return nil
}
