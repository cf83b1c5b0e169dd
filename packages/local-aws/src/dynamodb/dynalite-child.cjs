// Runs dynalite 4.0 in its own Node process (`spawnDynalite`): the local pipeline hosts its
// busiest table there, off the harness's event loop (see spawnDynalite). argv: <options JSON>.
'use strict';
require('../internal/server-child.cjs').serveInChild(require('dynalite'));
