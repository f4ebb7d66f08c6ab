// start.mjs PORT - run aedes (MQTT 3.1.1 only) on 127.0.0.1:PORT for the
// interop suite; PORT 0 picks a free one.  Prints "listening PORT" once
// ready; SIGTERM stops it.
import { createServer } from 'node:net'
import { Aedes } from 'aedes'

const aedes = await Aedes.createBroker()
const server = createServer(aedes.handle)

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening ' + server.address().port)
})
const stop = () => server.close(() => aedes.close(() => process.exit(0)))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
