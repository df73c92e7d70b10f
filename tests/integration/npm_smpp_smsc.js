// npm_smpp_smsc.js — interop SMSC for test 37: the npm `smpp` package's server (node-smpp,
// not our code) takes binds, answers every submit_sm with a fresh message id and, 20 ms
// later, sends a delivery receipt (deliver_sm esm_class 0x04 with the Appendix B text, the
// receipted_message_id and message_state TLVs) on a bound transceiver/receiver session.
// One JSON line per submit_sm (as node-smpp decoded it: data_coding, esm_class, UDH hex,
// text) and per acknowledged receipt goes to LOG. Stops on SIGTERM or after 120 s.
// usage: NODE_PATH=<dir>/node_modules node npm_smpp_smsc.js PORT_FILE LOG
'use strict';
const fs = require('fs');
const smpp = require('smpp');
const [portFile, logPath] = process.argv.slice(2);
const log = (o) => fs.appendFileSync(logPath, JSON.stringify(o) + '\n');
let nextId = 0x5A000;
const receivers = [];

function yymmddhhmm(d) {
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
         p(d.getUTCHours()) + p(d.getUTCMinutes());
}

function sendReceipt(session, sub, id, submitted) {
  const text = 'id:' + id + ' sub:001 dlvrd:001 submit date:' + yymmddhhmm(submitted) +
               ' done date:' + yymmddhhmm(new Date()) + ' stat:DELIVRD err:000 text:';
  session.deliver_sm({
    source_addr: sub.destination_addr, source_addr_ton: 1, source_addr_npi: 1,
    destination_addr: sub.source_addr, esm_class: 0x04, data_coding: 0,
    short_message: Buffer.from(text, 'latin1'),
    receipted_message_id: id, message_state: 2,
  }, (r) => log({event: 'dlr', message_id: id, status: r.command_status}));
}

const server = smpp.createServer((session) => {
  let bound = null;
  const bind = (kind) => (pdu) => {
    bound = kind;
    session.system_id = pdu.system_id;
    log({event: 'bind', kind: kind, system_id: pdu.system_id});
    session.send(pdu.response({system_id: 'node-smsc'}));
    if (kind !== 'transmitter')
      receivers.push(session);
  };
  session.on('bind_transceiver', bind('transceiver'));
  session.on('bind_transmitter', bind('transmitter'));
  session.on('bind_receiver', bind('receiver'));
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => { session.send(pdu.response()); session.close(); });
  session.on('close', () => {
    const i = receivers.indexOf(session);
    if (i >= 0)
      receivers.splice(i, 1);
  });
  session.on('error', () => {});
  session.on('submit_sm', (pdu) => {
    if (bound === null || bound === 'receiver')
      return session.send(pdu.response({command_status: smpp.ESME_RINVBNDSTS}));
    const id = (nextId++).toString(16).toUpperCase();
    const sm = pdu.short_message || {};
    const msg = sm.message !== undefined ? sm.message : sm;
    log({event: 'submit', message_id: id, source: pdu.source_addr,
         destination: pdu.destination_addr, data_coding: pdu.data_coding,
         esm_class: pdu.esm_class, registered_delivery: pdu.registered_delivery,
         udh: (sm.udh || []).map((b) => b.toString('hex')),
         text: typeof msg === 'string' ? msg : Buffer.from(msg || []).toString('hex')});
    session.send(pdu.response({message_id: id}));
    if (pdu.registered_delivery & 0x03) {
      const submitted = new Date();
      setTimeout(() => {
        const to = receivers.find((s) => s.system_id === session.system_id) || session;
        sendReceipt(to, pdu, id, submitted);
      }, 20);
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port) + '\n');
  fs.renameSync(portFile + '.tmp', portFile);
});
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, 120000);
