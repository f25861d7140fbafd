//! Joining: the screen a device shows until it has a token. Opening an
//! invitation link (`#/join/CODE`) fills the code; the person writes their
//! name, and the server registers the device with the invitation's role.

use leptos::prelude::*;
use shared::{FieldErrors, Values};

use crate::components::form::{RecordForm, at_once, text};
use crate::device;
use crate::ui::Ui;

/// «Подключение устройства».
#[component]
pub fn JoinPage() -> impl IntoView {
    let code = device::code_in_address().unwrap_or_default();
    let joined_as = device::stored().filter(|_| device::token().is_some());
    let initial = Values::default().with("code", code).with("name", "");
    let error = RwSignal::new(None::<String>);
    let ui = expect_context::<Ui>();
    let on_save = Callback::new(move |v: Values| at_once(join(v, error, ui)));
    view! {
        <section class="join" data-testid="join">
            <h2>"Подключение устройства"</h2>
            <p>
                "Приложение хранит записи МО на этом устройстве и работает без интернета. \
                 Чтобы записи попали к коллегам, устройство подключается к серверу района \
                 по приглашению: его присылает руководитель МО школы или руководитель РМО."
            </p>
            {joined_as.map(|me| view! {
                <p class="note">{format!("Сейчас устройство подключено как «{}» ({}).", me.name, me.grant.role.label())}</p>
            })}
            <RecordForm
                fields=vec![
                    text("code", "Ссылка-приглашение или код"),
                    text("name", "Ваше имя (ФИО) или название устройства"),
                ]
                initial=initial
                on_save=on_save
                testid="join-form"
                save_label="Подключить устройство"
            />
            <Show when=move || error.with(Option::is_some)>
                <p class="field-error" role="alert" data-testid="join-error">{move || error.get()}</p>
            </Show>
        </section>
    }
}

/// The code from a pasted link (`…/#/join/CODE`) or the code itself.
fn code_of(input: &str) -> String {
    input.trim().rsplit("/join/").next().unwrap_or_default().trim().to_owned()
}

/// Checks the join form and, when it passes, joins in the background:
/// the app opens as the device ([`crate::app::joined`]), or `error` says
/// why not.
fn join(v: Values, error: RwSignal<Option<String>>, ui: Ui) -> Result<(), FieldErrors> {
    error.set(None);
    let (code, name) = (code_of(v.get("code")), v.get("name").trim().to_owned());
    let mut e = FieldErrors::default();
    if code.is_empty() {
        e.add("code", "Вставьте ссылку-приглашение или код из неё");
    }
    if name.is_empty() {
        e.add("name", "Напишите, как вас зовут");
    }
    if !e.is_empty() {
        return Err(e);
    }
    leptos::task::spawn_local(async move {
        match device::join(&code, &name).await {
            Ok(me) => {
                let start = if me.is_district() { "#/district" } else { "#/dashboard" };
                if let Some(w) = web_sys::window() {
                    let _ = w.location().set_hash(start);
                }
                crate::app::joined(ui, me).await;
            }
            Err(err) => error.set(Some(err.message())),
        }
    });
    Ok(())
}
