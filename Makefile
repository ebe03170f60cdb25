# The README's two commands. Both install what they need (pinned, under .tools/) first.
.PHONY: run test

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh
