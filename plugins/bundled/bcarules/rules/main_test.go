package rules

import (
	"testing"

	"doanbd/core/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
