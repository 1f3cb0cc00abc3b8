package web

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"doanbd/core"
)

// Page is a requested window of a list: ?limit=50&offset=100.
type Page struct {
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// MaxPageSize caps any list.
const MaxPageSize = 200

// PageOf parses limit and offset (default 50, max MaxPageSize).
func PageOf(c *gin.Context) (Page, error) {
	p := Page{Limit: 50}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return p, core.Invalid("Tham số phân trang không hợp lệ.",
				core.FieldError{Field: "limit", Message: "phải là số từ 1 đến " + strconv.Itoa(MaxPageSize)})
		}
		p.Limit = n
	}
	if v := c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, core.Invalid("Tham số phân trang không hợp lệ.",
				core.FieldError{Field: "offset", Message: "phải là số không âm"})
		}
		p.Offset = n
	}
	return p, nil
}

// List is the JSON shape of every paginated list.
type List[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// NewList builds a List, never with a null items array.
func NewList[T any](items []T, total int, p Page) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Total: total, Limit: p.Limit, Offset: p.Offset}
}
