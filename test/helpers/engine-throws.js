// Preloaded into a test daemon (node -r): the engine throws on lines carrying XT-TEST-THROW, as a
// bug hit by one line would. Nothing else changes.
'use strict';
const { Engine } = require('../../dist/engine/engine');
const feed = Engine.prototype.feed;
Engine.prototype.feed = function (rec) {
  if (rec.message.includes('XT-TEST-THROW')) throw new Error('test: the engine fails on this line');
  return feed.call(this, rec);
};
