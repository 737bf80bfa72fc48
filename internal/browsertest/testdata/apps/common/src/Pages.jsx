// Pages added to the stock Vite React template (create-vite's template-react)
// for the browser test: each page marks the route it shows (data-route) and
// loads an image through Vite, so a page that rendered has fetched its assets.
import { Link, useParams } from 'react-router'
import App from './App.jsx'
import reactLogo from './assets/react.svg'

export function Home() {
  return (
    <div data-route="home">
      <nav><Link to="/swap">Swap</Link> <Link to="/pool/42">Pool 42</Link></nav>
      <App />
    </div>
  )
}

export function Swap() {
  return (
    <main data-route="swap">
      <img src={reactLogo} alt="React logo" width="48" height="48" />
      <h1>Swap</h1>
      <Link to="/">Home</Link>
    </main>
  )
}

export function Pool() {
  const { id } = useParams()
  return (
    <main data-route={`pool/${id}`}>
      <img src={reactLogo} alt="React logo" width="48" height="48" />
      <h1>Pool {id}</h1>
      <Link to="/">Home</Link>
    </main>
  )
}

export function NotFound() {
  return <main data-route="not-found"><h1>No such page</h1></main>
}
