// npm_smpp_client.js — interop client for test 37: the npm `smpp` package (node-smpp, not
// our code) binds to the hub's SMPP server, submits a long UCS-2 message as two UDH parts
// with registered_delivery, and waits for the receipt. Prints one JSON object and exits.
// usage: NODE_PATH=<dir>/node_modules node npm_smpp_client.js PORT SYSTEM_ID PASSWORD TEXT
'use strict';
const smpp = require('smpp');
const [port, systemId, password, text] = process.argv.slice(2);
const out = {bind: null, submits: [], receipt: null};
const done = (code) => { console.log(JSON.stringify(out)); process.exit(code); };
setTimeout(() => { out.error = 'timeout'; done(1); }, 30000);

const session = smpp.connect({url: 'smpp://127.0.0.1:' + port}, () => {
  session.bind_transceiver({system_id: systemId, password: password}, (pdu) => {
    out.bind = pdu.command_status;
    if (pdu.command_status !== 0)
      return done(1);
    const half = Math.ceil(text.length / 2);
    const parts = [text.slice(0, half), text.slice(half)];
    parts.forEach((p, i) => {
      session.submit_sm({
        destination_addr: '998901234580', source_addr: 'NODE', registered_delivery: 1,
        data_coding: 8, short_message: {udh: Buffer.from([5, 0, 3, 0x77, 2, i + 1]), message: p},
      }, (r) => { out.submits.push({status: r.command_status, message_id: r.message_id}); });
    });
  });
});
session.on('deliver_sm', (pdu) => {
  session.send(pdu.response());
  if (pdu.esm_class & 0x04) {
    const sm = pdu.short_message;
    out.receipt = {receipted_message_id: pdu.receipted_message_id,
                   message_state: pdu.message_state,
                   text: typeof sm === 'string' ? sm : (sm && sm.message) || ''};
    session.unbind(() => done(0));
  }
});
session.on('error', (e) => { out.error = String(e); done(1); });
