# ruff: noqa: E501  (the documents are prose: one paragraph per line, as patients read them)
"""The default consent documents every clinic starts with (version 1), in English and Spanish.

These are model documents written for a fictional clinic. A clinic must have its own lawyer
(and its medical director) review and adapt every one before using it with patients; the
documents page says so. The facts in the ketamine consent come from the project's clinical
reference (docs/clinical-reference.md): the Ketalar label's warnings, monitoring and
discharge with a responsible adult [22][40]; blood-pressure rises during infusions [7][41];
sedation and dissociation [28]; no driving until the next day after restful sleep [18];
bladder symptoms with repeated use [22][68]. The privacy notice follows 45 CFR 164.520 and
the right of access in 45 CFR 164.524 (act within 30 days, one 30-day extension) [96].

A body is plain text: paragraphs separated by a blank line; a paragraph whose lines start
with "- " is a list. Source keys stay out of the patient's text (they are for staff).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The drafting note for the clinic admin, in each language: shown on the staff document pages,
#: never in the text a patient reads or signs. Versions published before this note left the
#: body still start with it; ``consent.selectors.patient_text`` leaves it out when showing them.
LAWYER_NOTE = {
    "en": (
        "Model document: a clinic must review this text with its own lawyer and medical "
        "director before using it with patients."
    ),
    "es": (
        "Documento modelo: la clínica debe revisar este texto con su propio abogado y su "
        "director médico antes de usarlo con pacientes."
    ),
}


@dataclass(frozen=True)
class DefaultText:
    title: str
    body: str


KETAMINE_EN = DefaultText(
    title="Consent for ketamine treatment",
    body="""\
This form explains ketamine treatment at our clinic: what it is, what it may do, its risks, and how we keep you safe. Please read it carefully. Ask us anything you do not understand before you sign. You may take this form home and think about it.

What ketamine is and how we use it
Ketamine is a medicine approved by the U.S. Food and Drug Administration (FDA) for anesthesia. Using it in lower doses by vein (infusion) or injection to treat depression, other mood conditions or pain is "off-label": the FDA has not approved ketamine for these uses, although doctors may prescribe it this way and it has been studied in clinical trials. The nasal spray esketamine (Spravato) is a related medicine with its own approval and rules. Your prescriber chose a dose and schedule for you and wrote them in your treatment plan.

Possible benefits
Some people's depression improves within hours or days. Others improve little or not at all. The benefit may fade, and further treatments may be offered. We cannot promise that ketamine will help you.

Risks and side effects
Common effects during and shortly after a treatment:
- Feeling detached, unreal, or "outside your body", changes in how things look, sound or feel, and a changed sense of time (dissociation). These usually pass within an hour or two after the infusion ends.
- Nausea and vomiting, dizziness, blurred or double vision, sleepiness, headache, and feeling unsteady.
- A rise in blood pressure and heart rate, usually highest around 40 minutes into an infusion. It is usually mild, but sometimes it is high enough that we slow or stop the treatment or give medicine.
- Anxiety, confusion, vivid dreams or unpleasant experiences; rarely, agitation.
Less common or serious risks:
- Deep sedation or slowed breathing, more likely with opioids, benzodiazepines, alcohol or other sedating medicines. Please tell us about every medicine and substance you take.
- Bladder problems: ketamine can irritate the bladder. Needing to pass urine often or urgently, pain when passing urine, pain low in the belly, or blood in the urine have been reported, mostly with frequent or long-term use. Tell us at once if you notice any of these.
- Effects on memory, attention and thinking, mostly reported with frequent or long-term use.
- Liver injury has been reported with repeated or long-term use; we may check blood tests.
- Ketamine can be misused and can lead to dependence. It is a controlled substance; we give it only in the clinic.
- Allergic reactions, and soreness or bruising where the IV goes in.
- Effects on an unborn baby are not known. Tell us if you are pregnant, may be pregnant or are breastfeeding.

Monitoring during and after your treatment
A trained clinician stays with you. We check your blood pressure, heart rate and oxygen level before, during and after the treatment, and we watch how awake you are. Oxygen, airway equipment and emergency medicines are in the room. You stay until you are fully recovered and a clinician says you may leave.

In an emergency
If your blood pressure, breathing or heart rate become unsafe, or you have a serious reaction, we stop the infusion and treat you. If needed we call 911 and you may be taken to a hospital. We will contact your emergency contact.

Going home and the rest of the day
- An adult you know must take you home. You may not leave alone, by taxi or ride-share alone, or on foot alone.
- Do not drive, ride a bicycle, operate machinery or make important decisions until the next day, after a full night's sleep.
- Do not drink alcohol or take sedating drugs that are not prescribed on treatment days.

Your choices and your right to stop
Other treatments exist, including other medicines, psychotherapy, transcranial magnetic stimulation (TMS) and electroconvulsive therapy (ECT); your prescriber can talk with you about them. Your treatment is voluntary. You may ask us to slow or stop an infusion at any time, and you may stop treatment altogether at any time without losing any other care from us.

By signing, you confirm that you have read this form or had it read to you, that your questions were answered, that you have told us about your health, medicines and substances truthfully, and that you agree to ketamine treatment as described in your treatment plan.""",
)

KETAMINE_ES = DefaultText(
    title="Consentimiento para el tratamiento con ketamina",
    body="""\
Este formulario explica el tratamiento con ketamina en nuestra clínica: qué es, qué puede hacer, sus riesgos y cómo cuidamos su seguridad. Léalo con atención. Pregúntenos todo lo que no entienda antes de firmar. Puede llevarse este formulario a casa y pensarlo.

Qué es la ketamina y cómo la usamos
La ketamina es un medicamento aprobado por la Administración de Alimentos y Medicamentos de EE. UU. (FDA) para la anestesia. Usarla en dosis más bajas por vena (infusión) o inyección para tratar la depresión, otros trastornos del ánimo o el dolor es un uso "fuera de indicación": la FDA no ha aprobado la ketamina para estos usos, aunque los médicos pueden recetarla así y se ha estudiado en ensayos clínicos. El aerosol nasal esketamina (Spravato) es un medicamento relacionado con su propia aprobación y reglas. Quien le receta eligió una dosis y un calendario para usted y los escribió en su plan de tratamiento.

Posibles beneficios
En algunas personas la depresión mejora en horas o días. Otras mejoran poco o nada. El beneficio puede disminuir con el tiempo y se pueden ofrecer más tratamientos. No podemos prometer que la ketamina le ayudará.

Riesgos y efectos secundarios
Efectos frecuentes durante el tratamiento y poco después:
- Sentirse desconectado, irreal o "fuera de su cuerpo", cambios en cómo ve, oye o siente las cosas, y un sentido del tiempo alterado (disociación). Por lo general pasan en una o dos horas después de terminar la infusión.
- Náuseas y vómitos, mareo, visión borrosa o doble, somnolencia, dolor de cabeza y sensación de inestabilidad.
- Aumento de la presión arterial y del pulso, por lo general mayor alrededor de los 40 minutos de la infusión. Suele ser leve, pero a veces es lo bastante alto como para que hagamos más lenta o detengamos la infusión o le demos medicamento.
- Ansiedad, confusión, sueños vívidos o experiencias desagradables; rara vez, agitación.
Riesgos menos frecuentes o graves:
- Sedación profunda o respiración lenta, más probable con opioides, benzodiacepinas, alcohol u otros medicamentos que dan sueño. Díganos todos los medicamentos y sustancias que usa.
- Problemas de vejiga: la ketamina puede irritar la vejiga. Se han descrito necesidad de orinar a menudo o con urgencia, dolor al orinar, dolor en la parte baja del vientre o sangre en la orina, sobre todo con uso frecuente o prolongado. Avísenos enseguida si nota alguno de estos síntomas.
- Efectos sobre la memoria, la atención y el pensamiento, descritos sobre todo con uso frecuente o prolongado.
- Se ha descrito daño del hígado con uso repetido o prolongado; podemos pedir análisis de sangre.
- La ketamina puede usarse mal y causar dependencia. Es una sustancia controlada; solo la damos en la clínica.
- Reacciones alérgicas, y dolor o moretones donde entra la vía intravenosa.
- No se conocen sus efectos en un bebé por nacer. Díganos si está embarazada, puede estarlo o está amamantando.

Vigilancia durante y después del tratamiento
Un profesional capacitado se queda con usted. Medimos su presión arterial, pulso y nivel de oxígeno antes, durante y después del tratamiento, y observamos qué tan despierto está. En la sala hay oxígeno, equipo para la vía respiratoria y medicamentos de emergencia. Usted se queda hasta recuperarse por completo y hasta que un profesional le diga que puede irse.

En una emergencia
Si su presión arterial, respiración o pulso dejan de ser seguros, o tiene una reacción grave, detenemos la infusión y le damos tratamiento. Si es necesario llamamos al 911 y pueden llevarle a un hospital. Avisaremos a su contacto de emergencia.

El regreso a casa y el resto del día
- Un adulto de su confianza debe llevarle a casa. No puede irse solo, ni solo en taxi o en un servicio de transporte, ni caminando solo.
- No maneje, no ande en bicicleta, no use maquinaria ni tome decisiones importantes hasta el día siguiente, después de una noche completa de sueño.
- No tome alcohol ni medicamentos que den sueño y que no le hayan recetado los días de tratamiento.

Sus opciones y su derecho a parar
Existen otros tratamientos, como otros medicamentos, psicoterapia, estimulación magnética transcraneal (EMT) y terapia electroconvulsiva (TEC); quien le receta puede hablar de ellos con usted. Su tratamiento es voluntario. Puede pedirnos en cualquier momento que hagamos más lenta o detengamos una infusión, y puede dejar el tratamiento cuando quiera sin perder ninguna otra atención de nuestra parte.

Al firmar, usted confirma que leyó este formulario o se lo leyeron, que respondimos sus preguntas, que nos informó con verdad sobre su salud, sus medicamentos y sustancias, y que acepta el tratamiento con ketamina descrito en su plan de tratamiento.""",
)

TELEHEALTH_EN = DefaultText(
    title="Consent for telehealth visits",
    body="""\
Some of your visits with our clinicians, such as your first consultation with the supervising physician and follow-up visits, may take place by secure video or telephone (telehealth) instead of in person.

What to expect
- You and the clinician see and hear each other through a secure video service, or talk by telephone. The visit is not recorded unless we ask and you agree.
- Please join from a private, quiet place where you can speak freely, with a charged device and a good connection.
- At the start we confirm who you are and where you are. If you are in another state, we may not be allowed to see you by telehealth there.

Benefits and limits
Telehealth saves travel and lets you be seen sooner. But the clinician cannot examine you in person, and a poor connection can interrupt the visit. If the clinician decides that telehealth is not safe or not enough for you, we will ask you to come in person.

Privacy and security
We use a service that protects your information as the law requires. No electronic system is completely free of risk, such as a connection being interrupted or intercepted. Nobody else joins the visit without your agreement.

If the connection fails or there is an emergency
If the call drops, the clinician will call you at the phone number on your record. If you have a medical or mental-health emergency during a visit, tell the clinician at once; we may call 911 to the address you gave us. Telehealth visits are not for emergencies: in an emergency call 911, and for a mental-health crisis call or text 988.

Your choice
Telehealth is voluntary. You may ask for an in-person visit instead, and you may stop a telehealth visit at any time. Your insurance may cover telehealth differently from in-person visits; see the financial policy.

By signing, you agree to receive care by telehealth as described above.""",
)

TELEHEALTH_ES = DefaultText(
    title="Consentimiento para visitas de telesalud",
    body="""\
Algunas de sus visitas con nuestros profesionales, como su primera consulta con el médico supervisor y las visitas de seguimiento, pueden hacerse por video seguro o por teléfono (telesalud) en lugar de en persona.

Qué esperar
- Usted y el profesional se ven y se oyen por un servicio de video seguro, o hablan por teléfono. La visita no se graba, salvo que se lo pidamos y usted lo acepte.
- Conéctese desde un lugar privado y tranquilo donde pueda hablar con libertad, con un dispositivo cargado y buena conexión.
- Al empezar confirmamos quién es usted y dónde está. Si está en otro estado, es posible que la ley no nos permita atenderle allí por telesalud.

Beneficios y límites
La telesalud le ahorra viajes y le permite ser atendido antes. Pero el profesional no puede examinarle en persona, y una mala conexión puede interrumpir la visita. Si el profesional decide que la telesalud no es segura o no es suficiente para usted, le pediremos que venga en persona.

Privacidad y seguridad
Usamos un servicio que protege su información como lo exige la ley. Ningún sistema electrónico está libre de todo riesgo, como que una conexión se interrumpa o sea interceptada. Nadie más se une a la visita sin su permiso.

Si la conexión falla o hay una emergencia
Si la llamada se corta, el profesional le llamará al teléfono de su expediente. Si tiene una emergencia médica o de salud mental durante una visita, dígaselo enseguida al profesional; podemos llamar al 911 para enviar ayuda a la dirección que nos dio. Las visitas de telesalud no son para emergencias: en una emergencia llame al 911, y en una crisis de salud mental llame o envíe un mensaje de texto al 988.

Su decisión
La telesalud es voluntaria. Puede pedir una visita en persona en su lugar y puede terminar una visita de telesalud en cualquier momento. Su seguro puede cubrir la telesalud de forma distinta a las visitas en persona; consulte la política financiera.

Al firmar, usted acepta recibir atención por telesalud como se describe arriba.""",
)

PRIVACY_EN = DefaultText(
    title="Notice of privacy practices (summary) and acknowledgment",
    body="""\
This notice describes how medical information about you may be used and disclosed and how you can get access to this information. Please review it carefully. The full notice is available at the front desk and on request; this is a summary of it.

How we use and share your health information
- Treatment: to care for you and to coordinate with other people who treat you, such as your psychiatrist, therapist or primary care doctor.
- Payment: to bill you or your insurance and to get paid for your care.
- Health care operations: to run the clinic, check the quality and safety of our care, and train staff.
- As the law requires or allows: for example to prevent a serious threat to someone's health or safety, for public health reports, to health oversight agencies, when a court orders it, and to report suspected abuse.
We do not sell your information and do not use it for marketing without your written permission. Other uses need your written authorization, which you may withdraw at any time. Psychotherapy notes have extra protection, and records of substance-use treatment from a federally assisted program keep their special protection under federal law (42 CFR Part 2).

Your rights
- See and get a copy of your records, on paper or electronically in the form you ask for when we can readily produce it. We answer within 30 days; if we need more time we will tell you in writing why, and we may take one more 30 days. Any fee is a reasonable, cost-based fee.
- Ask us to correct information you think is wrong or missing.
- Ask us to contact you in a certain way or at a certain address, kept confidential.
- Ask us to limit what we use or share. If you pay for a service in full yourself, you may ask us not to share it with your health plan.
- Get a list of certain disclosures we made in the last six years.
- Get a paper copy of the full notice at any time.
- Choose someone to act for you, such as a health care power of attorney.
- Be told if your unprotected information is breached.

Our duties
We must keep your health information private and secure, follow the notice in effect, and tell you about a breach. We may change the notice; the new one will apply to all the information we hold and will be posted in the clinic and given on request.

Questions and complaints
Ask the front desk for our privacy officer. You may complain to us or to the U.S. Department of Health and Human Services, Office for Civil Rights. We will not act against you for filing a complaint.

By signing, you acknowledge that you received this notice of privacy practices.""",
)

PRIVACY_ES = DefaultText(
    title="Aviso de prácticas de privacidad (resumen) y acuse de recibo",
    body="""\
Este aviso describe cómo se puede usar y divulgar su información médica y cómo puede usted acceder a esta información. Revíselo con atención. El aviso completo está disponible en la recepción y a pedido; esto es un resumen.

Cómo usamos y compartimos su información de salud
- Tratamiento: para atenderle y coordinarnos con otras personas que le tratan, como su psiquiatra, su terapeuta o su médico de cabecera.
- Pago: para facturarle a usted o a su seguro y cobrar por su atención.
- Operaciones de atención médica: para administrar la clínica, revisar la calidad y la seguridad de nuestra atención y capacitar al personal.
- Cuando la ley lo exige o lo permite: por ejemplo, para evitar una amenaza grave a la salud o la seguridad de alguien, para informes de salud pública, a organismos de supervisión de la salud, cuando un tribunal lo ordena y para denunciar sospechas de abuso.
No vendemos su información y no la usamos para publicidad sin su permiso por escrito. Otros usos requieren su autorización por escrito, que puede retirar en cualquier momento. Las notas de psicoterapia tienen protección adicional, y los expedientes de tratamiento por consumo de sustancias de un programa con fondos federales mantienen su protección especial según la ley federal (42 CFR Parte 2).

Sus derechos
- Ver y obtener una copia de su expediente, en papel o en formato electrónico en la forma que pida cuando podamos producirla fácilmente. Respondemos en un plazo de 30 días; si necesitamos más tiempo, le diremos por escrito por qué, y podemos tomar 30 días más una sola vez. Cualquier cargo será razonable y basado en el costo.
- Pedirnos que corrijamos información que crea incorrecta o incompleta.
- Pedirnos que le contactemos de cierta manera o en cierta dirección, de forma confidencial.
- Pedirnos que limitemos lo que usamos o compartimos. Si paga un servicio completo usted mismo, puede pedirnos que no lo compartamos con su plan de salud.
- Obtener una lista de ciertas divulgaciones que hicimos en los últimos seis años.
- Obtener una copia en papel del aviso completo en cualquier momento.
- Elegir a alguien que actúe en su nombre, como un apoderado para decisiones de salud.
- Ser informado si hay una violación de seguridad de su información no protegida.

Nuestras obligaciones
Debemos mantener su información de salud privada y segura, cumplir el aviso vigente e informarle de una violación de seguridad. Podemos cambiar el aviso; el nuevo se aplicará a toda la información que tenemos y se publicará en la clínica y se entregará a pedido.

Preguntas y quejas
Pida en la recepción hablar con nuestro responsable de privacidad. Puede presentar una queja ante nosotros o ante la Oficina de Derechos Civiles del Departamento de Salud y Servicios Humanos de EE. UU. No tomaremos ninguna medida en su contra por presentar una queja.

Al firmar, usted confirma que recibió este aviso de prácticas de privacidad.""",
)

FINANCIAL_EN = DefaultText(
    title="Financial policy",
    body="""\
We want you to understand the costs of your care before you start. Please ask the front desk if anything here is unclear.

Fees and insurance
- Ketamine infusions for depression are off-label, and many insurance plans do not pay for them. Unless we have confirmed coverage with your plan in writing, you are responsible for the full fee of each infusion.
- Consultations, some visits and esketamine (Spravato) treatment may be billed to your insurance. We will check your benefits, but the amount your plan pays is decided by your plan, not by us. You are responsible for copays, coinsurance, deductibles and anything your plan does not pay.
- We give you our current fees in writing before your first treatment. If you do not have insurance or do not use it, you have the right to a good-faith estimate of expected charges.

Payment
Payment is due at the time of service unless we agree otherwise in writing. We accept the payment methods listed at the front desk. We provide a receipt (superbill) you may send to your insurance yourself.

Missed appointments and late cancellations
Infusion times are reserved for you, with a nurse and a chair. Please give us at least 24 hours' notice if you need to cancel or change an appointment. A late cancellation or missed appointment may be charged the fee shown on our fee sheet, except in an emergency.

Balances
We will send you a statement for any balance. If you cannot pay, please talk to us; we can discuss a payment plan. Unpaid balances may be sent to collection after we have written to you.

By signing, you confirm that you have read this financial policy and agree to be responsible for the charges for your care as described.""",
)

FINANCIAL_ES = DefaultText(
    title="Política financiera",
    body="""\
Queremos que entienda los costos de su atención antes de empezar. Pregunte en la recepción si algo no está claro.

Tarifas y seguro
- Las infusiones de ketamina para la depresión son un uso fuera de indicación, y muchos planes de seguro no las pagan. Salvo que hayamos confirmado la cobertura con su plan por escrito, usted es responsable de la tarifa completa de cada infusión.
- Las consultas, algunas visitas y el tratamiento con esketamina (Spravato) pueden facturarse a su seguro. Revisaremos sus beneficios, pero lo que paga su plan lo decide su plan, no nosotros. Usted es responsable de copagos, coseguros, deducibles y de todo lo que su plan no pague.
- Le entregamos nuestras tarifas vigentes por escrito antes de su primer tratamiento. Si no tiene seguro o no lo usa, tiene derecho a un presupuesto de buena fe de los cargos previstos.

Pago
El pago se hace en el momento del servicio, salvo que acordemos otra cosa por escrito. Aceptamos los medios de pago indicados en la recepción. Le damos un recibo detallado que puede enviar usted mismo a su seguro.

Citas perdidas y cancelaciones tardías
Los horarios de infusión se reservan para usted, con una enfermera y un sillón. Avísenos con al menos 24 horas si necesita cancelar o cambiar una cita. Una cancelación tardía o una cita perdida puede cobrarse según nuestra lista de tarifas, salvo en una emergencia.

Saldos
Le enviaremos un estado de cuenta de cualquier saldo. Si no puede pagar, hable con nosotros; podemos acordar un plan de pagos. Los saldos sin pagar pueden enviarse a cobranza después de haberle escrito.

Al firmar, usted confirma que leyó esta política financiera y acepta ser responsable de los cargos de su atención como se describe.""",
)

#: kind -> language -> default text of version 1.
DEFAULT_TEXTS: dict[str, dict[str, DefaultText]] = {
    "ketamine_treatment": {"en": KETAMINE_EN, "es": KETAMINE_ES},
    "telehealth": {"en": TELEHEALTH_EN, "es": TELEHEALTH_ES},
    "privacy_notice": {"en": PRIVACY_EN, "es": PRIVACY_ES},
    "financial_policy": {"en": FINANCIAL_EN, "es": FINANCIAL_ES},
}


def default_body(kind: str, language: str) -> str:
    """Return the default body of ``kind`` in ``language`` ("en"/"es"): what patients read
    (the drafting note for the clinic, ``LAWYER_NOTE``, is not part of it)."""
    return DEFAULT_TEXTS[kind][language].body
