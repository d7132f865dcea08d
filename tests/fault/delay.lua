-- delay.lua - `http-request lua.delay2s`: hold the request 2 s before
-- it goes on (core.msleep yields; HAProxy keeps serving others).
core.register_action("delay2s", { "http-req" }, function(txn)
	core.msleep(2000)
end)
